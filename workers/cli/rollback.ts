import { pinFleet, requestUnpin } from '../../jobs/rollout.ts';
import { ExitCode } from './command.ts';
import { ago, table, withSession } from './session.ts';

const USAGE = `Usage: kong-fleet rollback [HASH] | --unpin | --list [settings...]

Pins every proxy to an earlier content-addressed build until unpinned: HASH (a unique prefix of a kept
build), or without it the build the fleet ran before the current one. A pinned fleet takes no new
builds (they are still built and validated) and says so in kong-fleet status and the ProxyFleet.
  --unpin  lift the pin: the newest build goes out (through a rollout where spec.rollout is set)
  --list   the kept builds (KONG_FLEET_BUILDS_KEPT), newest first
Exit 0 on success, 1 when the build is not kept or the fleet is not pinned, 2 on bad usage.`;

export function main(argv: string[]): Promise<number> {
  return withSession(
    argv,
    {
      name: 'rollback',
      usage: USAGE,
      options: { unpin: { type: 'boolean' }, list: { type: 'boolean' }, json: { type: 'boolean' } },
    },
    async (session) => {
      const deps = {
        rollouts: session.rollouts,
        builds: session.builds,
        registry: session.registry,
        producer: session.producer,
      };
      const [hash, ...rest] = session.positionals;
      if (rest.length > 0 || (hash !== undefined && (session.options.unpin || session.options.list))) {
        process.stderr.write(`kong-fleet rollback: give one HASH, or --unpin, or --list\n\n${USAGE}\n`);
        return ExitCode.usage;
      }
      if (session.options.list) {
        const [builds, target] = await Promise.all([session.builds.recent(), session.rollouts.read()]);
        if (session.options.json) {
          process.stdout.write(`${JSON.stringify({ pin: target.pin ?? null, builds }, null, 2)}\n`);
          return ExitCode.ok;
        }
        process.stdout.write(
          `${table(
            ['HASH', 'REVISION', 'BUILT', 'DROPPED', ''],
            builds.map((build) => [
              build.hash,
              String(build.revision),
              ago(build.createdAt),
              String(build.droppedObjects),
              target.pin?.hash === build.hash ? 'pinned' : '',
            ]),
          )}\n`,
        );
        return ExitCode.ok;
      }
      const result = session.options.unpin
        ? await requestUnpin(deps, 'kong-fleet rollback --unpin')
        : await pinFleet(deps, hash, 'kong-fleet rollback');
      if (session.options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`${result.ok ? '' : 'kong-fleet rollback: '}${result.message}\n`);
      return result.ok ? ExitCode.ok : ExitCode.failure;
    },
  );
}
