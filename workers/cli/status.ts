import { viewOfProxy } from '../../jobs/proxy-state.ts';
import { rolloutSummary } from '../../jobs/rollout-plan.ts';
import { targetHash } from '../../jobs/target-hash.ts';
import { ExitCode } from './command.ts';
import { ago, table, withSession } from './session.ts';

const USAGE = `Usage: kong-fleet status [--json] [settings...]

The fleet as the controller sees it: every proxy, its state and the configuration hash it reported.`;

export function main(argv: string[]): Promise<number> {
  return withSession(
    argv,
    { name: 'status', usage: USAGE, options: { json: { type: 'boolean' } } },
    async (session) => {
      const [proxies, desired, target] = await Promise.all([
        session.registry.list(),
        session.builds.desired(),
        session.rollouts.read(),
      ]);
      const now = Date.now();
      const staleAfterMs = 3 * session.settings.driftIntervalMs + 5000;
      const rows = await Promise.all(
        proxies.map(async (proxy) => {
          const status = await session.registry.status(proxy.id);
          // Synced means: runs the build it should (a pin or a rollout step may hold it on an earlier one).
          const view = viewOfProxy(status, targetHash(proxy.id, desired?.hash, target), now, staleAfterMs);
          return { proxy: proxy.id, address: proxy.adminUrl, state: view.state, ...status };
        }),
      );
      const synced = rows.filter((row) => row.state === 'Synced').length;
      if (session.options.json) {
        process.stdout.write(
          `${JSON.stringify({ desired, pin: target.pin ?? null, rollout: target.rollout ?? null, synced, proxies: rows }, null, 2)}\n`,
        );
        return ExitCode.ok;
      }
      const summary = desired
        ? `${synced}/${rows.length} proxies at hash ${desired.hash}`
        : `${rows.length} proxies, no build yet`;
      process.stdout.write(`${summary}\n`);
      if (target.pin)
        process.stdout.write(
          `PINNED to ${target.pin.hash} (${target.pin.reason}): the fleet takes no new builds until kong-fleet rollback --unpin\n`,
        );
      else if (target.rollout && target.rollout.phase !== 'Complete')
        process.stdout.write(
          `rollout ${rolloutSummary(target.rollout, rows.length)}: ${target.rollout.message}\n`,
        );
      process.stdout.write('\n');
      process.stdout.write(
        `${table(
          ['PROXY', 'ADDRESS', 'STATE', 'HASH', 'LAST-SEEN', 'LAST-ERROR'],
          rows.map((row) => [
            row.proxy,
            row.address,
            row.state,
            row.actualHash?.slice(0, 12) ?? '-',
            ago(row.lastSeenAt, now),
            (row.lastError ?? '').slice(0, 80),
          ]),
        )}\n`,
      );
      return ExitCode.ok;
    },
  );
}
