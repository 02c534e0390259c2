import type { FastifyInstance } from 'fastify';
import type { PipelineDeps } from '../jobs/ports.ts';
import {
  abortRollout,
  pinFleet,
  promoteRollout,
  type RolloutActionResult,
  requestUnpin,
} from '../jobs/rollout.ts';
import { redactConfig } from '../kong/redact-config.ts';
import { SecretRedactor } from '../kong/redact-secrets.ts';
import { summarizeTraffic } from '../kong/traffic/traffic-summary.ts';
import { parseDuration } from '../lib/duration.ts';
import type { HttpAccess } from '../queue/bull-board/http-access.ts';
import { proxyRows } from './fleet-snapshot.ts';
import type { Metrics } from './metrics.ts';
import { rolloutView } from './rollout-view.ts';

export interface ControllerRoutesOptions {
  /** The pipeline dependencies once the runtime has started (routes answer 503 before). */
  readonly deps: () => PipelineDeps | undefined;
  readonly metrics: Metrics;
  readonly staleAfterMs: number;
  /** Credentials every route but /metrics requires (viewer role: these routes only read). */
  readonly access: HttpAccess;
  /** Require credentials on /metrics too. @defaultValue false (Prometheus scrapes without) */
  readonly metricsAuth?: boolean;
}

/**
 * The controller's own HTTP API: /metrics (Prometheus), /api/proxies (the fleet table),
 * /api/drift-reports (?since=1h), /api/traffic (?since=1h: fleet traffic per route), /api/shadow (shadow
 * mode beside KIC: the mode and the latest shadow check), /debug/config (the desired build, secrets
 * redacted), /api/rollout (the staged rollout and pin). Every one needs viewer credentials, /metrics only
 * when `metricsAuth`. The actions — POST /api/rollout/promote, /api/rollout/abort, /api/rollback
 * (`{"hash": …}` optional), /api/rollback/unpin — need the operator role.
 */
export function mountControllerRoutes(app: FastifyInstance, options: ControllerRoutesOptions): void {
  const ready = (reply: { code(status: number): { send(body: unknown): unknown } }) => {
    const deps = options.deps();
    if (!deps) reply.code(503).send({ message: 'starting: not connected to Redis yet' });
    return deps;
  };

  const guarded = { onRequest: options.access.requireViewer };
  app.get('/metrics', options.metricsAuth ? guarded : {}, async (_request, reply) => {
    reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });

  app.get('/api/proxies', guarded, async (_request, reply) => {
    const deps = ready(reply);
    if (!deps) return reply;
    return proxyRows(deps, options.staleAfterMs);
  });

  app.get<{ Querystring: { since?: string; count?: string } }>(
    '/api/drift-reports',
    guarded,
    async (request, reply) => {
      const deps = ready(reply);
      if (!deps) return reply;
      const { since, count } = request.query;
      const sinceDuration = since === undefined ? undefined : parseDuration(since);
      if (since !== undefined && sinceDuration === undefined) {
        return reply.code(400).send({ message: `since="${since}": expected a duration such as 30m or 2h` });
      }
      const limit = Math.min(Math.max(Number(count ?? (since === undefined ? 1 : 1000)) || 1, 1), 10_000);
      return deps.driftReports.list({
        ...(sinceDuration === undefined ? {} : { sinceMs: Date.now() - sinceDuration }),
        count: limit,
      });
    },
  );

  app.get<{ Querystring: { since?: string } }>('/api/traffic', guarded, async (request, reply) => {
    const deps = ready(reply);
    if (!deps) return reply;
    const traffic = deps.traffic;
    if (!traffic) return reply.code(404).send({ message: 'this process does not scrape traffic' });
    const { since } = request.query;
    const sinceDuration = since === undefined ? undefined : parseDuration(since);
    if (since !== undefined && sinceDuration === undefined) {
      return reply.code(400).send({ message: `since="${since}": expected a duration such as 30m or 2h` });
    }
    const now = Date.now();
    const proxies = await deps.registry.list();
    const { series, scrapes } = await traffic.store.read(
      proxies.map((proxy) => proxy.id),
      sinceDuration === undefined ? undefined : now - sinceDuration,
      now,
    );
    return {
      ...(sinceDuration === undefined
        ? {}
        : { since: new Date(Math.max(now - sinceDuration, now - traffic.store.retentionMs)).toISOString() }),
      at: new Date(now).toISOString(),
      routes: summarizeTraffic(series),
      scrapes,
      series,
    };
  });

  // Shadow mode beside KIC: the mode acted on and the latest shadow check (docs/migrating-from-kic.md).
  app.get('/api/shadow', guarded, async (_request, reply) => {
    const deps = ready(reply);
    if (!deps) return reply;
    const [spec, mode, report] = await Promise.all([
      deps.fleet.modeSpec(),
      deps.shadow.mode(),
      deps.shadow.report(),
    ]);
    return { spec, mode: mode ?? { mode: spec.mode }, report };
  });

  app.get('/api/rollout', guarded, async (_request, reply) => {
    const deps = ready(reply);
    if (!deps) return reply;
    return rolloutView(deps, options.staleAfterMs);
  });

  const operator = { onRequest: options.access.requireOperator };
  const act = (reply: { code(status: number): unknown }, result: RolloutActionResult) => {
    if (!result.ok) reply.code(409);
    return result;
  };
  app.post('/api/rollout/promote', operator, async (_request, reply) => {
    const deps = ready(reply);
    if (!deps) return reply;
    return act(reply, await promoteRollout(deps, 'POST /api/rollout/promote'));
  });
  app.post('/api/rollout/abort', operator, async (_request, reply) => {
    const deps = ready(reply);
    if (!deps) return reply;
    return act(reply, await abortRollout(deps, 'POST /api/rollout/abort'));
  });
  app.post<{ Body: { hash?: unknown } | undefined }>('/api/rollback', operator, async (request, reply) => {
    const deps = ready(reply);
    if (!deps) return reply;
    const hash = request.body?.hash;
    if (hash !== undefined && (typeof hash !== 'string' || !/^[0-9a-f]{1,64}$/i.test(hash)))
      return reply.code(400).send({ message: 'hash: expected (a prefix of) a build hash' });
    return act(reply, await pinFleet(deps, hash, 'POST /api/rollback'));
  });
  app.post('/api/rollback/unpin', operator, async (_request, reply) => {
    const deps = ready(reply);
    if (!deps) return reply;
    return act(reply, await requestUnpin(deps, 'POST /api/rollback/unpin'));
  });

  app.get('/debug/config', guarded, async (_request, reply) => {
    const deps = ready(reply);
    if (!deps) return reply;
    const desired = await deps.builds.desired();
    if (!desired) return reply.code(404).send({ message: 'no configuration has been built yet' });
    const [text, record] = await Promise.all([
      deps.builds.text(desired.hash),
      deps.builds.record(desired.hash),
    ]);
    if (text === null) return reply.code(404).send({ message: `build ${desired.hash} is no longer stored` });
    const config: unknown = JSON.parse(text);
    // By provenance first (whatever came from a Secret), then by field name for what predates it.
    const redacted = redactConfig(SecretRedactor.forConfig(config, record?.secretPaths).redact(config));
    return { desired, build: record, config: redacted };
  });
}
