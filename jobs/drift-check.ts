import { z } from 'zod';
import type { DriftReport, ProxyDriftEntry, RepairMode } from '../domain/drift.ts';
import type { EventReason } from '../domain/event-reasons.ts';
import { DRIFT_INTERVAL_MS } from '../domain/policies.ts';
import type { ProxyEndpoint, ProxyStatus } from '../domain/proxy.ts';
import type { FleetTarget } from '../domain/rollout.ts';
import { involvedObjectOf } from '../k8s/involved-object.ts';
import { summarizeDiff } from '../kong/config-diff.ts';
import { mapLimit } from '../lib/map-limit.ts';
import { backoffDelay } from '../queue/backoff.ts';
import { defineJob } from '../queue/define-job.ts';
import { classifyDrift } from './drift-classification.ts';
import type { PipelineDeps } from './ports.ts';
import { diffProxy } from './proxy-diff.ts';
import { requestFleetStatus, requestStatusUpdate } from './proxy-status.ts';
import { pushConfig } from './push.ts';
import { repairLostConfig } from './restart-repair.ts';
import { shadowAndTakeover } from './shadow-check.ts';
import { targetHash, targetSince } from './target-hash.ts';

export const DriftCheckPayload = z.strictObject({});
export type DriftCheckPayload = z.infer<typeof DriftCheckPayload>;

/**
 * A drifted proxy is re-pushed at once, then no sooner than 10 s, 20 s, … up to 5 min while it stays
 * drifted. Not one that lost its config (restarted): that is no failed repair, it is re-pushed every time.
 */
const REPAIR_BACKOFF = { baseMs: 10_000, capMs: 300_000, jitter: 0 };
const CHECK_CONCURRENCY = 20;
const CHECK_TIMEOUT_MS = 3000;
/** Reading a proxy's whole config is costly: only this many drift diffs per check. */
const MAX_DIFFS_PER_CHECK = 10;

interface CheckContext {
  /** The newest build; each proxy's expected hash is its target (jobs/target-hash.ts). */
  readonly desiredHash: string | null;
  readonly target: FleetTarget;
  /** When the desired build was made (ms). */
  readonly desiredSince: number;
  readonly previousHashes: ReadonlySet<string>;
  readonly repairMode: RepairMode;
  diffsLeft: number;
}

/**
 * Every interval: asks every proxy for its configuration_hash, classifies it (in sync, drifted —
 * lost its config, an older build, or a foreign push —, unreachable), re-pushes drifted proxies
 * in `enforce` mode with a per-proxy backoff (never a build the proxy rejected), and records a
 * drift report. Reading the hash back is the only way the controller learns what a proxy runs.
 */
export const driftCheck = defineJob<DriftCheckPayload, PipelineDeps>({
  name: 'drift-check',
  role: 'drift',
  payload: DriftCheckPayload,
  schedule: { every: DRIFT_INTERVAL_MS },
  schedulePayload: {},
  attempts: 1,
  timeoutMs: 60_000,
  run: async (_payload, ctx) => {
    const { deps, log } = ctx;
    const started = performance.now();
    // In shadow mode (beside KIC) the check compares configs and never re-pushes.
    const { record, report: shadow } = await shadowAndTakeover(deps, ctx.signal, log);
    if (shadow || record.mode === 'shadow') {
      await requestFleetStatus(deps);
      return { mode: record.mode, shadow: shadow?.summary ?? record.refused ?? record.reason };
    }
    const repairMode = await deps.fleet.repairMode();
    if (repairMode === 'disabled') return { skipped: 'repair mode disabled' };
    const [desired, proxies, recent, target] = await Promise.all([
      deps.builds.desired(),
      deps.registry.list(),
      deps.builds.recent(),
      deps.rollouts.read(),
    ]);
    const previousHashes = new Set(recent.map((build) => build.hash));
    const check: CheckContext = {
      desiredHash: desired?.hash ?? null,
      target,
      desiredSince: targetSince(desired, target),
      previousHashes,
      repairMode,
      diffsLeft: MAX_DIFFS_PER_CHECK,
    };
    const entries = await mapLimit(proxies, CHECK_CONCURRENCY, (proxy) =>
      checkProxy(deps, proxy, check, ctx.signal),
    );
    const report: DriftReport = {
      at: new Date().toISOString(),
      desiredHash: desired?.hash ?? null,
      repairMode,
      durationMs: Math.round(performance.now() - started),
      summary: {
        inSync: entries.filter((e) => e.class === 'in-sync').length,
        drifted: entries.filter((e) => e.class === 'drifted').length,
        unreachable: entries.filter((e) => e.class === 'unreachable').length,
        total: entries.length,
      },
      proxies: entries,
    };
    await deps.driftReports.record(report);
    deps.metrics?.driftChecked(report);
    await Promise.all(proxies.map((proxy) => requestStatusUpdate(deps, proxy.id, proxy)));
    if (report.summary.drifted + report.summary.unreachable > 0) {
      log.info({ ...report.summary, desired: report.desiredHash }, 'drift check found proxies out of sync');
    }
    return report.summary;
  },
});

async function checkProxy(
  deps: PipelineDeps,
  proxy: ProxyEndpoint,
  check: CheckContext,
  signal: AbortSignal,
): Promise<ProxyDriftEntry> {
  const { previousHashes, repairMode } = check;
  const expectedHash = targetHash(proxy.id, check.desiredHash ?? undefined, check.target) ?? null;
  const started = performance.now();
  const base = { proxy: proxy.id, address: proxy.adminUrl, expectedHash };
  const latency = () => Math.round(performance.now() - started);
  const status = await deps.registry.status(proxy.id);
  // A short deadline for a healthy proxy; one that has shown it is slower gets what it needs.
  const read = await deps.admin.readStatus(proxy, { signal, floorMs: CHECK_TIMEOUT_MS });
  if (read.kind === 'failed') {
    const error = read.description;
    await deps.registry.updateStatus(proxy.id, { state: 'Unreachable', lastError: `drift check: ${error}` });
    await recordProxyEvent(
      deps,
      proxy,
      'ProxyUnreachable',
      `proxy ${proxy.id} did not answer GET /status: ${error}`,
    );
    return { ...base, actualHash: null, class: 'unreachable', action: 'none', latencyMs: latency(), error };
  }
  const actualHash = read.value.configurationHash;
  deps.metrics?.proxyCounters(proxy.id, read.value.server);

  const seen = new Date().toISOString();
  const verdict = classifyDrift(actualHash, expectedHash, previousHashes, check.desiredSince, Date.now());
  if (verdict.class === 'in-sync') {
    await deps.registry.updateStatus(proxy.id, {
      actualHash,
      actualHashAt: seen,
      lastSeenAt: seen,
      state: 'Synced',
      lastError: null,
      repairAttempts: null,
      nextRepairAt: null,
    });
    return { ...base, actualHash, class: 'in-sync', action: 'none', latencyMs: latency() };
  }
  if (expectedHash === null || verdict.class !== 'drifted') {
    await deps.registry.updateStatus(proxy.id, { actualHash, actualHashAt: seen, lastSeenAt: seen });
    return { ...base, actualHash, class: verdict.class, action: 'none', latencyMs: latency() };
  }
  const cause = verdict.cause;
  const changes =
    check.diffsLeft-- > 0
      ? await diffProxy(deps, proxy, expectedHash, signal)
          .then(summarizeDiff)
          .catch(() => undefined)
      : undefined;
  const action =
    cause === 'empty'
      ? await repairLostConfig(deps, proxy, { hash: actualHash, why: 'empty' }, expectedHash, {
          event: false,
        })
      : await repair(deps, proxy, status, expectedHash, repairMode);
  await deps.registry.updateStatus(proxy.id, {
    actualHash,
    actualHashAt: seen,
    lastSeenAt: seen,
    state: status.rejectedHash === expectedHash ? 'Rejected' : 'Pending',
  });
  await recordProxyEvent(
    deps,
    proxy,
    'ProxyDrifted',
    `proxy ${proxy.id} runs ${actualHash} instead of ${expectedHash} (${cause}); action: ${action}`,
  );
  return {
    ...base,
    actualHash,
    class: 'drifted',
    cause,
    action,
    latencyMs: latency(),
    ...(changes ? { changes } : {}),
  };
}

/** Re-pushes in enforce mode, at once the first time, then with a growing per-proxy pause of its own. */
async function repair(
  deps: PipelineDeps,
  proxy: ProxyEndpoint,
  status: ProxyStatus,
  expectedHash: string,
  mode: RepairMode,
): Promise<ProxyDriftEntry['action']> {
  if (mode !== 'enforce') return 'reported';
  if (status.rejectedHash === expectedHash) return 'not-repaired-rejected';
  const now = Date.now();
  if (status.nextRepairAt && now < Date.parse(status.nextRepairAt)) return 'backing-off';
  const attempts = (status.repairAttempts ?? 0) + 1;
  await deps.registry.updateStatus(proxy.id, {
    repairAttempts: attempts,
    nextRepairAt: new Date(now + backoffDelay(REPAIR_BACKOFF, attempts)).toISOString(),
  });
  // Now, not after a retry delay the push job grew while the proxy failed: this pause is the one that counts.
  await deps.producer.expedite(pushConfig, { proxy: proxy.id });
  return 're-pushed';
}

async function recordProxyEvent(
  deps: PipelineDeps,
  proxy: ProxyEndpoint,
  reason: EventReason,
  message: string,
) {
  await deps.events.record(involvedObjectOf(deps.fleet.instanceRef(proxy.id)), 'Warning', reason, message);
}
