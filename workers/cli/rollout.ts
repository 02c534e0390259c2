import { staleAfterMs } from '../../domain/policies.ts';
import { abortRollout, promoteRollout, type RolloutActionResult } from '../../jobs/rollout.ts';
import { rolloutView } from '../rollout-view.ts';
import { ExitCode } from './command.ts';
import { table, withSession } from './session.ts';

const USAGE = `Usage: kong-fleet rollout status|promote|abort [--json] [settings...]

The staged rollout of the newest build (ProxyFleet spec.rollout):
  status   the step, phase and last verdict, and which build every proxy should run and runs
  promote  the step under way passes now (also a halted or paused one): the next step's proxies get the build
  abort    every proxy returns to the previous (stable) build; the next build rolls out afresh
Exit 0 on success, 1 when there is nothing to promote or abort, 2 on bad usage.`;

export function main(argv: string[]): Promise<number> {
  return withSession(
    argv,
    { name: 'rollout', usage: USAGE, options: { json: { type: 'boolean' } } },
    async (session) => {
      const [action = 'status', ...rest] = session.positionals;
      if (rest.length > 0 || !['status', 'promote', 'abort'].includes(action)) {
        process.stderr.write(
          `kong-fleet rollout: unknown action "${[action, ...rest].join(' ')}"\n\n${USAGE}\n`,
        );
        return ExitCode.usage;
      }
      const deps = {
        rollouts: session.rollouts,
        builds: session.builds,
        registry: session.registry,
        producer: session.producer,
      };
      if (action !== 'status') {
        const by = `kong-fleet rollout ${action}`;
        const result: RolloutActionResult =
          action === 'promote' ? await promoteRollout(deps, by) : await abortRollout(deps, by);
        if (session.options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else process.stdout.write(`${result.ok ? '' : 'kong-fleet rollout: '}${result.message}\n`);
        return result.ok ? ExitCode.ok : ExitCode.failure;
      }
      const view = await rolloutView(deps, staleAfterMs(session.settings.driftIntervalMs));
      if (session.options.json) {
        process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
        return ExitCode.ok;
      }
      process.stdout.write(`${view.summary}\n`);
      if (view.rollout) process.stdout.write(`${view.rollout.message}\n`);
      process.stdout.write(
        `\n${table(
          ['PROXY', 'CANARY', 'TARGET', 'RUNS', 'STATE'],
          view.proxies.map((row) => [
            row.proxy,
            row.canary ? 'yes' : '-',
            row.target?.slice(0, 12) ?? '-',
            row.actualHash?.slice(0, 12) ?? '-',
            row.state,
          ]),
        )}\n`,
      );
      return ExitCode.ok;
    },
  );
}
