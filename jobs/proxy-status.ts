import { createHash } from 'node:crypto';
import { z } from 'zod';
import { lastSeenRefreshMs } from '../domain/policies.ts';
import type { ProxyEndpoint } from '../domain/proxy.ts';
import { type FleetMode, type FleetModeRecord, modeInForce, type ShadowReport } from '../domain/shadow.ts';
import type { ConditionInput } from '../k8s/conditions.ts';
import { defineJob } from '../queue/define-job.ts';
import { requestPodReadiness } from './pod-readiness.ts';
import type { PipelineDeps } from './ports.ts';
import { requestPropagationStatus } from './propagation-status.ts';
import { addressOf, viewOfProxy } from './proxy-state.ts';
import { rolloutSummary } from './rollout-plan.ts';
import { targetHash } from './target-hash.ts';

export const ProxyStatusPayload = z.strictObject({ proxy: z.string().min(1).max(253) });
export type ProxyStatusPayload = z.infer<typeof ProxyStatusPayload>;

export const FleetStatusPayload = z.strictObject({});
export type FleetStatusPayload = z.infer<typeof FleetStatusPayload>;

/**
 * Status writes per proxy are at most one every two seconds, however often pushes and drift checks
 * report, and they come after a push wave rather than during it.
 */
const STATUS_DELAY_MS = 2000;

/**
 * Writes one proxy's ProxyInstance (created on first sight, deleted when the proxy is gone) from
 * what the registry recorded. Coalesced per proxy and delayed, so a flapping proxy costs at most one
 * API write a second.
 */
export const proxyStatus = defineJob<ProxyStatusPayload, PipelineDeps>({
  name: 'proxy-status',
  role: 'drift',
  payload: ProxyStatusPayload,
  coalesce: { key: (p) => p.proxy, delayMs: STATUS_DELAY_MS },
  attempts: 5,
  backoff: { baseMs: 1000, capMs: 30_000, jitter: 0.3 },
  concurrency: 20,
  run: async ({ proxy: id }, { deps }) => {
    const proxy = await deps.registry.get(id);
    if (!proxy) {
      await deps.fleet.deleteInstance(id);
      await requestFleetStatus(deps);
      return { deleted: id };
    }
    const [status, desired, target] = await Promise.all([
      deps.registry.status(id),
      deps.builds.desired(),
      deps.rollouts.read(),
    ]);
    const now = Date.now();
    // The build this proxy should run (a pin or a rollout may hold it on an earlier one).
    const hash = targetHash(id, desired?.hash, target);
    const view = viewOfProxy(status, hash, now, deps.fleet.staleAfterMs);
    const body = {
      address: addressOf(proxy),
      kongVersion: status.kongVersion,
      state: view.state,
      desiredHash: hash,
      actualHash: status.actualHash,
      lastPushTime: status.lastPushAt,
      lastSeenTime: status.lastSeenAt,
      lastError: status.lastError,
      conditions: view.conditions,
    };
    // Every drift check refreshes lastSeenTime: write for that alone only every lastSeenRefreshMs.
    const digest = createHash('sha1')
      .update(JSON.stringify({ ...body, lastSeenTime: undefined }))
      .digest('hex');
    const writtenAt = status.instanceWrittenAt ? Date.parse(status.instanceWrittenAt) : 0;
    const refreshMs = lastSeenRefreshMs(await deps.registry.count());
    if (digest === status.instanceDigest && now - writtenAt < refreshMs) {
      return { proxy: id, state: view.state, unchanged: true };
    }
    const conditions = await deps.fleet.writeInstance(proxy, body, status.instanceConditions);
    await deps.registry.updateStatus(id, {
      instanceDigest: digest,
      instanceWrittenAt: new Date(now).toISOString(),
      instanceConditions: conditions,
    });
    await requestFleetStatus(deps);
    return { proxy: id, state: view.state };
  },
});

/** The fleet summary on the ProxyFleet ("47/50 proxies at hash abc123"), with a Synced condition `kubectl wait` can use. */
export const fleetStatus = defineJob<FleetStatusPayload, PipelineDeps>({
  name: 'fleet-status',
  role: 'drift',
  payload: FleetStatusPayload,
  coalesce: { key: () => 'fleet', delayMs: STATUS_DELAY_MS },
  attempts: 5,
  backoff: { baseMs: 1000, capMs: 30_000, jitter: 0.3 },
  run: async (_payload, { deps }) => {
    const [proxies, desired, instances, spec, recorded, shadow, target] = await Promise.all([
      deps.registry.list(),
      deps.builds.desired(),
      deps.fleet.listInstances(),
      deps.fleet.modeSpec(),
      deps.shadow.mode(),
      deps.shadow.report(),
      deps.rollouts.read(),
    ]);
    const mode = modeInForce(spec, recorded);
    // Instances of proxies that went away while no status job ran for them (e.g. a controller restart).
    const known = new Set(proxies.map((proxy) => deps.fleet.instanceName(proxy.id)));
    await Promise.all(
      instances.filter((name) => !known.has(name)).map((name) => deps.fleet.deleteInstance(name)),
    );
    const now = Date.now();
    const views = await Promise.all(
      proxies.map(async (proxy) =>
        viewOfProxy(
          await deps.registry.status(proxy.id),
          targetHash(proxy.id, desired?.hash, target),
          now,
          deps.fleet.staleAfterMs,
        ),
      ),
    );
    // Synced: running the build it should (its rollout step's, or the pinned one).
    const synced = views.filter((view) => view.state === 'Synced').length;
    const hash = desired?.hash;
    const all = proxies.length > 0 && synced === proxies.length;
    const pin = target.pin;
    const rollout = target.rollout;
    const summary = pin
      ? `${synced}/${proxies.length} proxies at pinned hash ${pin.hash}${hash && hash !== pin.hash ? ` (newest build ${hash} not taken: pinned)` : ''}`
      : rollout && rollout.phase !== 'Complete'
        ? `${synced}/${proxies.length} proxies synced; rollout ${rolloutSummary(rollout, proxies.length)}`
        : hash
          ? `${synced}/${proxies.length} proxies at hash ${hash}`
          : `${proxies.length} proxies, no build yet`;
    await deps.fleet.writeFleetStatus({
      desiredHash: hash,
      proxies: proxies.length,
      syncedProxies: synced,
      summary,
      mode,
      pinnedHash: pin?.hash,
      rollout: rollout
        ? {
            hash: rollout.hash,
            stableHash: rollout.stableHash,
            phase: rollout.phase,
            step: rollout.step + 1,
            steps: rollout.spec.steps.length,
            updatedProxies:
              rollout.phase === 'Complete'
                ? proxies.length
                : rollout.phase === 'Aborted'
                  ? 0
                  : rollout.cohort.length,
            progress: rolloutSummary(rollout, proxies.length),
            message: rollout.message.slice(0, 1000),
          }
        : undefined,
      conditions: [
        ...migrationConditions(mode, recorded, shadow),
        {
          type: 'Synced',
          status: all ? 'True' : 'False',
          reason: all ? 'AllProxiesSynced' : proxies.length === 0 ? 'NoProxies' : 'ProxiesOutOfSync',
          message: summary,
        },
        {
          type: 'Ready',
          status: views.some((view) => view.state === 'Synced') ? 'True' : 'False',
          reason: views.some((view) => view.state === 'Synced') ? 'ProxiesServing' : 'NoProxySynced',
          message: summary,
        },
      ],
    });
    return { summary };
  },
});

/**
 * While migrating from KIC (once a shadow check has run): ShadowDiffClean (the latest shadow check, naming
 * the first differences) and Takeover (taken, refused and why, or not asked for yet).
 */
function migrationConditions(
  mode: FleetMode,
  recorded: FleetModeRecord | null,
  shadow: ShadowReport | null,
): ConditionInput[] {
  if (!shadow) return [];
  const diff: ConditionInput = {
    type: 'ShadowDiffClean',
    status: shadow.clean ? 'True' : 'False',
    reason: shadow.clean ? 'ProxiesMatch' : shadow.desiredHash ? 'ProxiesDiffer' : 'NoBuild',
    message: `${mode === 'active' ? 'last shadow check before the takeover' : 'shadow check'} at ${shadow.at}: ${shadow.summary}`,
  };
  const takeover: ConditionInput =
    mode === 'active'
      ? { type: 'Takeover', status: 'True', reason: 'TookOver', message: recorded?.reason ?? 'active' }
      : recorded?.refused
        ? {
            type: 'Takeover',
            status: 'False',
            reason: 'RefusedShadowDiffNotClean',
            message:
              `spec.mode is active but the shadow diff is not clean (set spec.takeover.force to override): ${recorded.refused}`.slice(
                0,
                2000,
              ),
          }
        : {
            type: 'Takeover',
            status: 'False',
            reason: 'Shadowing',
            message: 'spec.mode is shadow: kong-fleet compares and does not push',
          };
  return [diff, takeover];
}

/**
 * After anything learned about a proxy: its ProxyInstance, its Pod gate and the objects' propagation status.
 * `endpoint`, when the caller has read it: a proxy that is no Pod (a static one) has no gate to update.
 */
export async function requestStatusUpdate(
  deps: Pick<PipelineDeps, 'producer' | 'propagation'>,
  proxy: string,
  endpoint?: ProxyEndpoint | null,
): Promise<void> {
  await Promise.all([
    deps.producer.enqueue(proxyStatus, { proxy }),
    endpoint && !endpoint.podRef ? undefined : requestPodReadiness(deps, proxy),
    requestPropagationStatus(deps),
  ]);
}

export async function requestFleetStatus(deps: Pick<PipelineDeps, 'producer'>): Promise<void> {
  await deps.producer.enqueue(fleetStatus, {});
}
