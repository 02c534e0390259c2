import type { FlattenedError } from '@kong-fleet/kong-dbless';
import { z } from 'zod';
import { involvedObjectOf, storeKeyOf } from '../k8s/involved-object.ts';
import type { AdminResponse } from '../kong/admin/client.ts';
import { compareVersions } from '../kong/admin/kong-version.ts';
import { refFromTags } from '../kong/translate/index.ts';
import { defineJob, type JobContext } from '../queue/define-job.ts';
import { RetryAfterError } from '../queue/errors.ts';
import type { ProxyEndpoint } from '../queue/store/proxy-registry.ts';
import type { PipelineDeps } from './ports.ts';
import { requestStatusUpdate } from './proxy-status.ts';

export const PushPayload = z.strictObject({
  /** Which proxy. Never which config: the push sends whatever is desired when it runs. */
  proxy: z.string().min(1).max(253),
});
export type PushPayload = z.infer<typeof PushPayload>;

export type PushResult =
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'synced'; readonly hash: string; readonly status: 201 | 304 }
  | { readonly outcome: 'rejected'; readonly hash: string; readonly objects: number }
  | { readonly outcome: 'incompatible'; readonly version: string };

const MAX_ERROR_TEXT = 500;

/**
 * Delivers the desired config to one proxy and records what the proxy then reports. Retries
 * without limit while the proxy exists (capped backoff with jitter, Retry-After on 429); a 400 is
 * mapped back to the Kubernetes objects through the entity tags, which are excluded before a new
 * build, and the rejected config is never sent to this proxy again.
 */
export const pushConfig = defineJob<PushPayload, PipelineDeps>({
  name: 'push',
  role: 'push',
  payload: PushPayload,
  coalesce: { key: (p) => p.proxy },
  attempts: 'unlimited',
  backoff: { baseMs: 500, capMs: 60_000, jitter: 0.3 },
  concurrency: 200,
  timeoutMs: 60_000,
  run: async ({ proxy: id }, ctx): Promise<PushResult> => {
    try {
      return await push(id, ctx);
    } finally {
      // Whatever happened, the proxy's ProxyInstance shows it (coalesced: at most one write every 2 s).
      await requestStatusUpdate(ctx.deps, id);
    }
  },
});

async function push(id: string, ctx: JobContext<PipelineDeps>): Promise<PushResult> {
  const { deps, log, signal } = ctx;
  const started = performance.now();
  const finish = <R extends PushResult>(result: R, reason: string): R => {
    deps.metrics?.pushFinished({
      proxy: id,
      result: result.outcome,
      reason,
      durationMs: performance.now() - started,
    });
    return result;
  };
  // Three independent reads, in flight together (one round trip).
  const [proxy, desired, status] = await Promise.all([
    deps.registry.get(id),
    deps.builds.desired(),
    deps.registry.status(id),
  ]);
  if (!proxy) return finish({ outcome: 'skipped', reason: 'proxy no longer known' }, 'forgotten');
  if (!desired) return finish({ outcome: 'skipped', reason: 'no build yet' }, 'no-build');
  if (status.rejectedHash === desired.hash) {
    return finish(
      { outcome: 'skipped', reason: 'this proxy already rejected this build' },
      'already-rejected',
    );
  }
  const text = await deps.builds.text(desired.hash);
  if (text === null) throw new Error(`desired build ${desired.hash} is missing from the build store`);

  const now = () => new Date().toISOString();
  let response: AdminResponse;
  try {
    if (!status.kongVersion || status.state !== 'Synced') {
      const version = await readVersion(deps, proxy, signal);
      await deps.registry.updateStatus(id, {
        desiredHash: desired.hash,
        kongVersion: version,
        lastSeenAt: now(),
      });
      if (compareVersions(version, deps.minimumKongVersion) < 0) {
        await deps.registry.updateStatus(id, {
          state: 'Incompatible',
          lastError: `Kong ${version} is older than the supported minimum ${deps.minimumKongVersion}`,
        });
        return finish({ outcome: 'incompatible', version }, 'incompatible');
      }
    }
    response = await deps.admin.postConfig(proxy, text, signal);
  } catch (err) {
    await deps.registry.updateStatus(id, {
      desiredHash: desired.hash,
      state: status.actualHash ? 'Unreachable' : 'NeverSynced',
      lastError: describeNetworkError(err),
    });
    deps.metrics?.pushFinished({
      proxy: id,
      result: 'error',
      reason: 'unreachable',
      durationMs: performance.now() - started,
    });
    throw err;
  }

  const seen = now();
  switch (response.status) {
    case 201:
    case 304: {
      const actual = await readHash(deps, proxy, signal);
      const synced = actual === desired.hash;
      await deps.registry.updateStatus(id, {
        desiredHash: desired.hash,
        state: synced ? 'Synced' : 'Pending',
        actualHash: actual,
        lastPushAt: seen,
        lastSeenAt: seen,
        lastError: synced ? '' : `proxy reports ${actual} after accepting ${desired.hash}`,
        rejectedHash: '',
      });
      log.info({ proxy: id, hash: desired.hash, status: response.status, actual }, 'pushed');
      if (synced) await noteConvergence(deps, desired.hash, id);
      return finish(
        { outcome: 'synced', hash: desired.hash, status: response.status },
        String(response.status),
      );
    }
    case 429: {
      const retryAfterMs = Math.max(1, Number(response.headers['retry-after'] ?? 1)) * 1000;
      await deps.registry.updateStatus(id, { desiredHash: desired.hash, lastSeenAt: seen });
      deps.metrics?.pushFinished({
        proxy: id,
        result: 'retry',
        reason: '429',
        durationMs: performance.now() - started,
      });
      throw new RetryAfterError(`proxy ${id} is loading another config`, retryAfterMs);
    }
    case 400:
    case 413: {
      const objects = await handleRejection(deps, proxy, desired.hash, response);
      return finish({ outcome: 'rejected', hash: desired.hash, objects }, String(response.status));
    }
    default: {
      await deps.registry.updateStatus(id, {
        desiredHash: desired.hash,
        lastSeenAt: seen,
        lastError: `HTTP ${response.status}: ${trim(messageOf(response))}`,
      });
      deps.metrics?.pushFinished({
        proxy: id,
        result: 'error',
        reason: String(response.status),
        durationMs: performance.now() - started,
      });
      throw new Error(`proxy ${id} answered ${response.status}`);
    }
  }
}

/** The last proxy to report a build completes its end-to-end time (change → every proxy synced). */
async function noteConvergence(deps: PipelineDeps, hash: string, proxy: string): Promise<void> {
  if (!deps.metrics || !(await deps.convergence.proxySynced(hash, proxy))) return;
  const record = await deps.builds.record(hash);
  if (record?.firstChangeAt !== undefined)
    deps.metrics.converged({ seconds: (Date.now() - record.firstChangeAt) / 1000 });
}

/** Asks every known proxy to converge on the desired build; returns how many were asked. */
export async function pushEveryProxy(deps: Pick<PipelineDeps, 'registry' | 'producer'>): Promise<number> {
  const proxies = await deps.registry.list();
  await Promise.all(proxies.map((proxy) => deps.producer.enqueue(pushConfig, { proxy: proxy.id })));
  return proxies.length;
}

/** Marks the proxy Rejected for this build, excludes the objects Kong named, and asks for a new build. */
async function handleRejection(
  deps: PipelineDeps,
  proxy: ProxyEndpoint,
  hash: string,
  response: AdminResponse,
): Promise<number> {
  const body = (response.json ?? {}) as { message?: string; flattened_errors?: FlattenedError[] };
  const flattened = Array.isArray(body.flattened_errors) ? body.flattened_errors : [];
  const message = trim(
    response.status === 413
      ? 'configuration too large for the proxy'
      : summarize(flattened) || messageOf(response),
  );
  const at = new Date().toISOString();
  await deps.registry.updateStatus(proxy.id, {
    desiredHash: hash,
    state: 'Rejected',
    rejectedHash: hash,
    lastError: message,
    lastSeenAt: at,
  });

  const culprits = new Map<string, { ref: NonNullable<ReturnType<typeof refFromTags>>; reasons: string[] }>();
  for (const entity of flattened) {
    const ref = refFromTags(entity.entity_tags ?? []);
    if (!ref) continue;
    const key = storeKeyOf(ref);
    const entry = culprits.get(key) ?? { ref, reasons: [] };
    entry.reasons.push(describeEntityError(entity));
    culprits.set(key, entry);
  }
  for (const [key, { ref, reasons }] of culprits) {
    const reason = trim(reasons.join('; '));
    await deps.objects.exclude(key, { reason, configHash: hash, proxy: proxy.id, at });
    await deps.events.record(
      involvedObjectOf(ref),
      'Warning',
      'KongConfigurationRejected',
      `proxy ${proxy.id} rejected the configuration: ${reason}`,
    );
  }
  if (culprits.size > 0) await deps.requestBuild(`proxy ${proxy.id} rejected ${culprits.size} object(s)`);
  return culprits.size;
}

async function readHash(deps: PipelineDeps, proxy: ProxyEndpoint, signal: AbortSignal): Promise<string> {
  const response = await deps.admin.status(proxy, signal);
  const hash = (response.json as { configuration_hash?: unknown } | undefined)?.configuration_hash;
  if (response.status !== 200 || typeof hash !== 'string')
    throw new Error(`GET /status answered ${response.status}`);
  return hash;
}

async function readVersion(deps: PipelineDeps, proxy: ProxyEndpoint, signal: AbortSignal): Promise<string> {
  const response = await deps.admin.info(proxy, signal);
  const version = (response.json as { version?: unknown } | undefined)?.version;
  if (response.status !== 200 || typeof version !== 'string')
    throw new Error(`GET / answered ${response.status}`);
  return version;
}

function describeEntityError(entity: FlattenedError): string {
  const what = `${entity.entity_type}${entity.entity_name ? ` ${entity.entity_name}` : ''}`;
  const messages = entity.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join(', ');
  return `${what}: ${messages}`;
}

function summarize(flattened: readonly FlattenedError[]): string {
  return (
    flattened.slice(0, 3).map(describeEntityError).join('; ') +
    (flattened.length > 3 ? ` (+${flattened.length - 3} more)` : '')
  );
}

function messageOf(response: AdminResponse): string {
  const message = (response.json as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : response.text.slice(0, MAX_ERROR_TEXT);
}

function describeNetworkError(err: unknown): string {
  const error = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = error.cause?.code ?? error.code;
  return trim(code ? `${code}: ${error.cause?.message ?? error.message}` : (error.message ?? String(err)));
}

function trim(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 3)}...` : text;
}
