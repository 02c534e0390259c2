import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { PipelineDeps } from '../jobs/ports.ts';
import { parseDuration } from '../lib/duration.ts';
import type { HttpAccess } from '../queue/bull-board/http-access.ts';
import { fleetSnapshot } from './fleet-snapshot.ts';
import type { Metrics } from './metrics.ts';

export interface FleetConsoleOptions {
  readonly deps: () => PipelineDeps | undefined;
  readonly metrics: Metrics;
  readonly staleAfterMs: number;
  readonly access: HttpAccess;
}

const ASSETS = {
  '/fleet': ['index.html', 'text/html; charset=utf-8'],
  '/fleet/console.js': ['console.js', 'text/javascript; charset=utf-8'],
  '/fleet/console.css': ['console.css', 'text/css; charset=utf-8'],
} as const;

const DEFAULT_PERIOD_MS = 15 * 60_000;
const MAX_PERIOD_MS = 24 * 3_600_000;

/**
 * The fleet console at /fleet: static files of workers/fleet-console (read once, no CDN: the page's
 * Content-Security-Policy allows this origin only) and /api/fleet, the one read it polls. Behind the
 * viewer role, as Bull Board and /api.
 */
export async function mountFleetConsole(app: FastifyInstance, options: FleetConsoleOptions): Promise<void> {
  const guarded = { onRequest: options.access.requireViewer };
  for (const [path, [file, type]] of Object.entries(ASSETS)) {
    const body = await readFile(new URL(`./fleet-console/${file}`, import.meta.url), 'utf8');
    app.get(path, guarded, async (_request, reply) =>
      reply
        .header('content-type', type)
        .header('content-security-policy', "default-src 'self'")
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }

  app.get<{ Querystring: { since?: string } }>('/api/fleet', guarded, async (request, reply) => {
    const deps = options.deps();
    if (!deps) return reply.code(503).send({ message: 'starting: not connected to Redis yet' });
    const { since } = request.query;
    const periodMs = since === undefined ? DEFAULT_PERIOD_MS : parseDuration(since);
    if (periodMs === undefined || periodMs <= 0 || periodMs > MAX_PERIOD_MS)
      return reply
        .code(400)
        .send({ message: `since="${since}": expected a duration up to 24h, such as 15m` });
    return fleetSnapshot(deps, options.metrics, { staleAfterMs: options.staleAfterMs, periodMs });
  });
}
