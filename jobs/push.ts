import { z } from 'zod';
import { objectKey } from '../domain/object-ref.ts';
import { PUSH_BACKOFF } from '../domain/policies.ts';
import {
  describeProfile,
  type ProxyEndpoint,
  type ProxyProfile,
  type ProxyStatus,
  profileOf,
} from '../domain/proxy.ts';
import { modeInForce } from '../domain/shadow.ts';
import { involvedObjectOf } from '../k8s/involved-object.ts';
import type { AdminFailure, PushAnswer } from '../kong/admin/answers.ts';
import { compareVersions } from '../kong/admin/kong-version.ts';
import { describeEntityError, trimDescription } from '../kong/kong-errors.ts';
import { refFromTags } from '../kong/translate/index.ts';
import { defineJob, type JobContext } from '../queue/define-job.ts';
import { RetryAfterError } from '../queue/errors.ts';
import type { PipelineDeps } from './ports.ts';
import { requestStatusUpdate } from './proxy-status.ts';
import { whileClaimed } from './push-claim.ts';
import { targetHash } from './target-hash.ts';

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

/** What one attempt came to: a result, or a reason to try again (thrown only after it is recorded). */
interface PushAttempt {
  readonly result:
    | PushResult
    | { readonly outcome: 'retry'; readonly retryAfterMs: number; readonly message: string }
    | { readonly outcome: 'error'; readonly message: string };
  /** The metric's `reason` label: 201, 304, 400, 429, unreachable, timeout, forgotten, … */
  readonly label: string;
}

/** A 429 without a usable Retry-After waits this long; a shorter one is rounded up to it. */
const MIN_BUSY_WAIT_MS = 1000;

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
  backoff: PUSH_BACKOFF,
  concurrency: 200,
  // Up to three exchanges (GET /, POST /config, GET /status), each up to the admin timeout cap.
  timeoutMs: 120_000,
  // A lock that survives a starved event loop for ~7 s; a re-run after a lost lock waits for the claim.
  lock: { durationMs: 15_000, stalledIntervalMs: 5000, maxStalledCount: 10 },
  run: ({ proxy: id }, ctx) => whileClaimed(ctx.deps, id, () => pushOnce(id, ctx)),
});

async function pushOnce(id: string, ctx: JobContext<PipelineDeps>): Promise<PushResult> {
  const started = performance.now();
  let attempt: PushAttempt | undefined;
  const read: { endpoint?: ProxyEndpoint | null } = {};
  try {
    attempt = await attemptPush(id, ctx, read);
  } finally {
    // Recorded once, from the outcome (an exception is an error too).
    ctx.deps.metrics?.pushFinished({
      proxy: id,
      result: attempt?.result.outcome ?? 'error',
      reason: attempt?.label ?? 'exception',
      durationMs: performance.now() - started,
    });
    // Whatever happened, the proxy's ProxyInstance shows it (coalesced: at most one write every 2 s).
    await requestStatusUpdate(ctx.deps, id, read.endpoint);
  }
  const { result } = attempt;
  if (result.outcome === 'retry') throw new RetryAfterError(result.message, result.retryAfterMs);
  if (result.outcome === 'error') throw new Error(result.message);
  return result;
}

/** `read.endpoint` receives the proxy's registry entry once it was read (null: the proxy is not known). */
async function attemptPush(
  id: string,
  ctx: JobContext<PipelineDeps>,
  read: { endpoint?: ProxyEndpoint | null },
): Promise<PushAttempt> {
  const { deps, log, signal } = ctx;
  // Independent reads, in flight together (one round trip).
  const [proxy, newest, status, fleetTarget, spec, recorded] = await Promise.all([
    deps.registry.get(id),
    deps.builds.desired(),
    deps.registry.status(id),
    deps.rollouts.read(),
    // Without the API server the recorded mode decides: pushes go on through an API outage.
    deps.fleet.modeSpec().catch(() => null),
    deps.shadow.mode(),
  ]);
  read.endpoint = proxy;
  if (!proxy) return skipped('forgotten', 'proxy no longer known');
  // Beside KIC: KIC pushes; the takeover (jobs/shadow-check.ts) asks every proxy again.
  const mode = spec ? modeInForce(spec, recorded) : (recorded?.mode ?? 'active');
  if (mode === 'shadow') return skipped('shadow', 'shadow mode: not pushing');
  // The build this proxy gets: the newest one, unless a pin or a rollout says otherwise.
  const hash = targetHash(id, newest?.hash, fleetTarget);
  if (!newest || !hash) return skipped('no-build', 'no build yet');
  const desired = { hash };
  if (status.rejectedHash === desired.hash) {
    return skipped('already-rejected', 'this proxy already rejected this build');
  }
  const text = await deps.builds.text(desired.hash);
  if (text === null) throw new Error(`desired build ${desired.hash} is missing from the build store`);

  let profile = profileOf(status);
  if (!profile || status.state !== 'Synced') {
    const info = await deps.admin.readInfo(proxy, { signal });
    if (info.kind === 'failed') return failed(deps, id, desired.hash, status, info);
    const reported = info.value;
    profile = {
      kongVersion: reported.version,
      routerFlavor: reported.routerFlavor,
      edition: reported.edition,
    };
    await deps.registry.updateStatus(id, {
      desiredHash: desired.hash,
      kongVersion: profile.kongVersion,
      routerFlavor: profile.routerFlavor,
      edition: profile.edition,
      lastSeenAt: new Date().toISOString(),
    });
    if (
      profile.kongVersion !== status.kongVersion ||
      profile.routerFlavor !== status.routerFlavor ||
      profile.edition !== status.edition
    ) {
      // Builds validate against every profile in the fleet: a new one may drop objects locally.
      await deps.requestBuild(`proxy ${id} reports ${describeProfile(profile)}`);
    }
    if (compareVersions(profile.kongVersion, deps.minimumKongVersion) < 0) {
      await deps.registry.updateStatus(id, {
        state: 'Incompatible',
        lastError: `Kong ${profile.kongVersion} is older than the supported minimum ${deps.minimumKongVersion}`,
      });
      return { label: 'incompatible', result: { outcome: 'incompatible', version: profile.kongVersion } };
    }
  }

  if (!(await deps.builds.madeFor(desired.hash, profile))) {
    return awaitBuild(deps, id, profile, desired.hash, desired.hash === newest.hash);
  }
  if (status.awaitingBuild) await deps.registry.updateStatus(id, { awaitingBuild: null });

  const answer = await deps.admin.pushConfig(proxy, text, { signal });
  const seen = new Date().toISOString();
  switch (answer.kind) {
    case 'accepted':
    case 'unchanged': {
      const code = answer.kind === 'accepted' ? 201 : 304;
      const read = await deps.admin.readStatus(proxy, { signal });
      if (read.kind === 'failed') {
        await deps.registry.updateStatus(id, {
          desiredHash: desired.hash,
          state: 'Pending',
          lastPushAt: seen,
          lastSeenAt: seen,
          lastError: `accepted, then GET /status failed: ${read.description}`,
        });
        return {
          label: `status-${read.cause}`,
          result: { outcome: 'error', message: `proxy ${id}: ${read.description}` },
        };
      }
      const actual = read.value.configurationHash;
      const synced = actual === desired.hash;
      await deps.registry.updateStatus(id, {
        desiredHash: desired.hash,
        state: synced ? 'Synced' : 'Pending',
        actualHash: actual,
        actualHashAt: seen,
        lastPushAt: seen,
        lastSeenAt: seen,
        lastError: synced ? null : `proxy reports ${actual} after accepting ${desired.hash}`,
        rejectedHash: null,
      });
      log.info({ proxy: id, hash: desired.hash, status: code, actual }, 'pushed');
      if (synced) await noteConvergence(deps, desired.hash, id);
      return { label: String(code), result: { outcome: 'synced', hash: desired.hash, status: code } };
    }
    case 'busy': {
      await deps.registry.updateStatus(id, { desiredHash: desired.hash, lastSeenAt: seen });
      const retryAfterMs = Math.max(MIN_BUSY_WAIT_MS, answer.retryAfterMs ?? MIN_BUSY_WAIT_MS);
      const message = `proxy ${id} is loading another config`;
      return { label: '429', result: { outcome: 'retry', retryAfterMs, message } };
    }
    case 'rejected': {
      const objects = await handleRejection(deps, proxy, desired.hash, answer);
      log.warn(
        { proxy: id, hash: desired.hash, objects, error: answer.description },
        'proxy rejected the build',
      );
      return { label: String(answer.status), result: { outcome: 'rejected', hash: desired.hash, objects } };
    }
    case 'failed':
      return failed(deps, id, desired.hash, status, answer);
  }
}

/**
 * The proxy's build was not made for its profile (issue 20: a Kong 3.9 proxy joining a fleet whose build uses a
 * 3.11 feature). Sending it would earn a 400 that says nothing about the objects, yet would exclude them from
 * every proxy's config; so nothing is sent. Translation follows the fleet's profiles and this one is recorded
 * now, so a rebuild covers it: either a new build, pushed to everyone, or the same text made for one more
 * profile, after which jobs/build.ts pushes the proxies of that profile. A pinned build or a rollout's stable
 * one is not replaced by a rebuild: the proxy waits until the fleet moves on to one made for it.
 */
async function awaitBuild(
  deps: PipelineDeps,
  id: string,
  profile: ProxyProfile,
  hash: string,
  isDesired: boolean,
): Promise<PushAttempt> {
  const runs = describeProfile(profile);
  const why = isDesired
    ? `waiting for a build made for ${runs}: build ${hash} was made for other Kong versions or routers`
    : `build ${hash}, which a pin or rollout gives this proxy, was not made for ${runs}; waiting for one that is`;
  // lastSeenAt stays as the GET / before this set it: a proxy known Synced was not contacted at all.
  await deps.registry.updateStatus(id, { desiredHash: hash, state: 'Pending', awaitingBuild: why });
  if (isDesired) await deps.requestBuild(`proxy ${id} reports ${runs}, which build ${hash} was not made for`);
  return skipped('awaiting-build', why);
}

function skipped(label: string, reason: string): PushAttempt {
  return { label, result: { outcome: 'skipped', reason } };
}

/**
 * No verdict from the proxy: record why and try again with backoff. A proxy that answered (an HTTP
 * status, an odd body) keeps its state; one that did not is Unreachable (NeverSynced before its first sync).
 */
async function failed(
  deps: PipelineDeps,
  id: string,
  hash: string,
  status: ProxyStatus,
  failure: AdminFailure,
): Promise<PushAttempt> {
  const answered = failure.cause === 'http' || failure.cause === 'malformed';
  await deps.registry.updateStatus(id, {
    desiredHash: hash,
    ...(answered
      ? { lastSeenAt: new Date().toISOString() }
      : { state: status.actualHash ? 'Unreachable' : 'NeverSynced' }),
    lastError: failure.description,
  });
  const label =
    failure.cause === 'http'
      ? String(failure.status)
      : failure.cause === 'network'
        ? 'unreachable'
        : failure.cause;
  return { label, result: { outcome: 'error', message: `proxy ${id}: ${failure.description}` } };
}

/** The last proxy to report a build completes its end-to-end time (change → every proxy synced). */
async function noteConvergence(deps: PipelineDeps, hash: string, proxy: string): Promise<void> {
  if (!deps.metrics || !(await deps.convergence.proxySynced(hash, proxy))) return;
  const record = await deps.builds.record(hash);
  if (record?.firstChangeAt !== undefined)
    deps.metrics.converged({ seconds: (Date.now() - record.firstChangeAt) / 1000 });
}

/** Asks every known proxy to converge on its build (jobs/target-hash.ts); returns how many were asked. */
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
  rejection: Extract<PushAnswer, { kind: 'rejected' }>,
): Promise<number> {
  const at = new Date().toISOString();
  await deps.registry.updateStatus(proxy.id, {
    desiredHash: hash,
    state: 'Rejected',
    rejectedHash: hash,
    lastError: rejection.description,
    lastSeenAt: at,
  });

  const culprits = new Map<string, { ref: NonNullable<ReturnType<typeof refFromTags>>; reasons: string[] }>();
  for (const entity of rejection.errors) {
    const ref = refFromTags(entity.entity_tags ?? []);
    if (!ref) continue;
    const key = objectKey(ref);
    const entry = culprits.get(key) ?? { ref, reasons: [] };
    entry.reasons.push(describeEntityError(entity));
    culprits.set(key, entry);
  }
  for (const [key, { ref, reasons }] of culprits) {
    const reason = trimDescription(reasons.join('; '));
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
