import { viewOfProxy } from '../../jobs/proxy-state.ts';
import { ExitCode } from './command.ts';
import { ago, table, withSession } from './session.ts';

const USAGE = `Usage: kong-fleet status [--json] [settings...]

The fleet as the controller sees it: every proxy, its state and the configuration hash it reported.`;

export function main(argv: string[]): Promise<number> {
  return withSession(
    argv,
    { name: 'status', usage: USAGE, options: { json: { type: 'boolean' } } },
    async (session) => {
      const [proxies, desired] = await Promise.all([session.registry.list(), session.builds.desired()]);
      const now = Date.now();
      const staleAfterMs = 3 * session.settings.driftIntervalMs + 5000;
      const rows = await Promise.all(
        proxies.map(async (proxy) => {
          const status = await session.registry.status(proxy.id);
          const view = viewOfProxy(status, desired?.hash, now, staleAfterMs);
          return { proxy: proxy.id, address: proxy.adminUrl, state: view.state, ...status };
        }),
      );
      const synced = rows.filter((row) => row.state === 'Synced').length;
      if (session.options.json) {
        process.stdout.write(`${JSON.stringify({ desired, synced, proxies: rows }, null, 2)}\n`);
        return ExitCode.ok;
      }
      const summary = desired
        ? `${synced}/${rows.length} proxies at hash ${desired.hash}`
        : `${rows.length} proxies, no build yet`;
      process.stdout.write(`${summary}\n\n`);
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
