import { summarizeTraffic } from '../../kong/traffic/traffic-summary.ts';
import { parseDuration } from '../../lib/duration.ts';
import { ExitCode } from './command.ts';
import { ago, table, withSession } from './session.ts';

const USAGE = `Usage: kong-fleet top [--since DURATION] [--limit N] [--json] [settings...]

The busiest routes of the whole fleet (every proxy summed, across proxy restarts): requests, share of
5xx answers, 4xx answers and p95 latency. --since 5m shows that period (default: since the first
scrape); --limit (default 20) caps the rows; --json prints every route and the scrape status.`;

export function main(argv: string[]): Promise<number> {
  return withSession(
    argv,
    {
      name: 'top',
      usage: USAGE,
      options: { json: { type: 'boolean' }, since: { type: 'string' }, limit: { type: 'string' } },
    },
    async (session) => {
      const { since, limit } = session.options;
      const sinceMs = typeof since === 'string' ? parseDuration(since) : undefined;
      if (typeof since === 'string' && sinceMs === undefined) {
        process.stderr.write(
          `kong-fleet top: invalid --since "${since}": expected a duration such as 5m or 1h\n`,
        );
        return ExitCode.usage;
      }
      const rows = typeof limit === 'string' ? Number(limit) : 20;
      if (!Number.isInteger(rows) || rows < 1) {
        process.stderr.write(
          `kong-fleet top: invalid --limit "${String(limit)}": expected a whole number ≥ 1\n`,
        );
        return ExitCode.usage;
      }
      const now = Date.now();
      const proxies = await session.registry.list();
      const { series, scrapes } = await session.traffic.read(
        proxies.map((proxy) => proxy.id),
        sinceMs === undefined ? undefined : now - sinceMs,
        now,
      );
      const routes = summarizeTraffic(series);
      if (session.options.json) {
        process.stdout.write(`${JSON.stringify({ routes, scrapes }, null, 2)}\n`);
        return ExitCode.ok;
      }
      const total = routes.reduce((sum, route) => sum + route.requests, 0);
      const failing = scrapes.filter((scrape) => scrape.failures > 0);
      process.stdout.write(
        `${total} requests on ${routes.length} routes${typeof since === 'string' ? ` in the last ${since}` : ''}, ` +
          `${proxies.length - failing.length}/${proxies.length} proxies scraped\n\n`,
      );
      process.stdout.write(
        `${table(
          ['ROUTE', 'SERVICE', 'REQUESTS', '5XX', '4XX', 'P95'],
          routes
            .slice(0, rows)
            .map((route) => [
              route.route || '-',
              route.service || '-',
              String(route.requests),
              `${(route.errorRate * 100).toFixed(1)}%`,
              String(route.clientErrors),
              route.p95Ms === undefined ? '-' : `${route.p95Ms.toFixed(1)} ms`,
            ]),
        )}\n`,
      );
      for (const scrape of failing)
        process.stdout.write(
          `\nscrape of ${scrape.proxy} failing (${scrape.failures}× in a row, last success ${ago(scrape.lastSuccessAt, now)}): ${scrape.lastError ?? ''}`,
        );
      if (failing.length > 0) process.stdout.write('\n');
      return ExitCode.ok;
    },
  );
}
