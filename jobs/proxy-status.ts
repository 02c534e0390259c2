import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineJob } from '../queue/define-job.ts';
import { requestPodReadiness } from './pod-readiness.ts';
import type { PipelineDeps } from './ports.ts';
import { requestPropagationStatus } from './propagation-status.ts';
import { addressOf, viewOfProxy } from './proxy-state.ts';

export const ProxyStatusPayload = z.strictObject({ proxy: z.string().min(1).max(253) });
export type ProxyStatusPayload = z.infer<typeof ProxyStatusPayload>;

export const FleetStatusPayload = z.strictObject({});
export type FleetStatusPayload = z.infer<typeof FleetStatusPayload>;

/**
 * Status writes per proxy are at most one every two seconds, however often pushes and drift checks
 * report, and they come after a push wave rather than during it.
 */
const STATUS_DELAY_MS = 2000;
const LAST_SEEN_REFRESH_MS = 60_000;

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
    const [status, desired] = await Promise.all([deps.registry.status(id), deps.builds.desired()]);
    const now = Date.now();
    const view = viewOfProxy(status, desired?.hash, now, deps.fleet.staleAfterMs);
    const body = {
      address: addressOf(proxy),
      kongVersion: status.kongVersion,
      state: view.state,
      desiredHash: desired?.hash,
      actualHash: status.actualHash,
      lastPushTime: status.lastPushAt,
      lastSeenTime: status.lastSeenAt,
      lastError: status.lastError,
      conditions: view.conditions,
    };
    // Every drift check refreshes lastSeenTime: write for that alone only once a minute.
    const digest = createHash('sha1')
      .update(JSON.stringify({ ...body, lastSeenTime: undefined }))
      .digest('hex');
    const writtenAt = status.instanceWrittenAt ? Date.parse(status.instanceWrittenAt) : 0;
    if (digest === status.instanceDigest && now - writtenAt < LAST_SEEN_REFRESH_MS) {
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
    const [proxies, desired, instances] = await Promise.all([
      deps.registry.list(),
      deps.builds.desired(),
      deps.fleet.listInstances(),
    ]);
    // Instances of proxies that went away while no status job ran for them (e.g. a controller restart).
    const known = new Set(proxies.map((proxy) => deps.fleet.instanceName(proxy.id)));
    await Promise.all(
      instances.filter((name) => !known.has(name)).map((name) => deps.fleet.deleteInstance(name)),
    );
    const now = Date.now();
    const views = await Promise.all(
      proxies.map(async (proxy) =>
        viewOfProxy(await deps.registry.status(proxy.id), desired?.hash, now, deps.fleet.staleAfterMs),
      ),
    );
    const synced = views.filter((view) => view.state === 'Synced').length;
    const hash = desired?.hash;
    const all = proxies.length > 0 && synced === proxies.length;
    const summary = hash
      ? `${synced}/${proxies.length} proxies at hash ${hash}`
      : `${proxies.length} proxies, no build yet`;
    await deps.fleet.writeFleetStatus({
      desiredHash: hash,
      proxies: proxies.length,
      syncedProxies: synced,
      summary,
      conditions: [
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

/** After anything learned about a proxy: its ProxyInstance, its Pod gate and the objects' propagation status. */
export async function requestStatusUpdate(
  deps: Pick<PipelineDeps, 'producer' | 'propagation'>,
  proxy: string,
): Promise<void> {
  await Promise.all([
    deps.producer.enqueue(proxyStatus, { proxy }),
    requestPodReadiness(deps, proxy),
    requestPropagationStatus(deps),
  ]);
}

export async function requestFleetStatus(deps: Pick<PipelineDeps, 'producer'>): Promise<void> {
  await deps.producer.enqueue(fleetStatus, {});
}
