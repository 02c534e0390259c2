import { parseDuration } from '../../lib/duration.ts';
import { ExitCode } from './command.ts';
import { table, withSession } from './session.ts';

const USAGE = `Usage: kong-fleet drift-report [--json] [--since DURATION] [settings...]

The latest drift report (every proxy: expected and actual hash, class, action, latency), or with
--since every report of that period (e.g. --since 1h). --json prints the reports as JSON.`;

export function main(argv: string[]): Promise<number> {
  return withSession(
    argv,
    { name: 'drift-report', usage: USAGE, options: { json: { type: 'boolean' }, since: { type: 'string' } } },
    async (session) => {
      const since = session.options.since;
      let sinceMs: number | undefined;
      if (typeof since === 'string') {
        const duration = parseDuration(since);
        if (duration === undefined) {
          process.stderr.write(
            `kong-fleet drift-report: invalid --since "${since}": expected a duration such as 30m or 2h\n`,
          );
          return ExitCode.usage;
        }
        sinceMs = Date.now() - duration;
      }
      const reports = await session.driftReports.list(
        sinceMs === undefined ? { count: 1 } : { sinceMs, count: 10_000 },
      );
      if (session.options.json) {
        process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
        return ExitCode.ok;
      }
      if (reports.length === 0) {
        process.stdout.write('no drift report yet\n');
        return ExitCode.ok;
      }
      for (const report of [...reports].reverse()) {
        const { inSync, drifted, unreachable, total } = report.summary;
        process.stdout.write(
          `${report.at}  desired ${report.desiredHash ?? '-'}  mode ${report.repairMode}  ${inSync}/${total} in sync, ${drifted} drifted, ${unreachable} unreachable (${report.durationMs} ms)\n`,
        );
        process.stdout.write(
          `${table(
            ['PROXY', 'CLASS', 'CAUSE', 'ACTION', 'ACTUAL', 'CHANGES', 'LATENCY'],
            report.proxies.map((entry) => [
              entry.proxy,
              entry.class,
              entry.cause ?? '-',
              entry.action,
              entry.actualHash?.slice(0, 12) ?? '-',
              entry.changes
                ? `+${entry.changes.added} ~${entry.changes.changed} -${entry.changes.removed}`
                : '-',
              `${entry.latencyMs}ms`,
            ]),
          )}\n\n`,
        );
      }
      return ExitCode.ok;
    },
  );
}
