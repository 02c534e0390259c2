import { z } from 'zod';
import type { Desired } from '../domain/build.ts';
import type { PodGate } from '../domain/propagation.ts';
import type { ProxyStatus } from '../domain/proxy.ts';
import { shortHash } from '../kong/propagation.ts';
import { defineJob } from '../queue/define-job.ts';
import type { PipelineDeps } from './ports.ts';
import { viewOfProxy } from './proxy-state.ts';
import { targetHash, targetSince } from './target-hash.ts';

export const PodReadinessPayload = z.strictObject({ proxy: z.string().min(1).max(253) });
export type PodReadinessPayload = z.infer<typeof PodReadinessPayload>;

/**
 * Whether a proxy Pod's readiness gate is open: True while the proxy runs the desired build, or an earlier
 * build it took from us (not one it rejected) within `graceMs` of `desired` moving, so a new build does not take
 * the whole fleet out of its Service until each proxy is pushed. A proxy that lost its config (restart) or
 * never had one is closed. Pure.
 */
export function podGateOf(
  status: ProxyStatus,
  desired: Desired | null,
  /** When `desired` moved to its hash (ms); undefined: unknown, no grace. */
  desiredSince: number | undefined,
  knownBuild: boolean,
  now: number,
  graceMs: number,
  staleAfterMs: number,
): PodGate {
  const hash = status.actualHash ?? '';
  const state = viewOfProxy(status, desired?.hash, now, staleAfterMs).state;
  if (!desired)
    return { status: 'False', reason: 'NoConfig', message: 'no configuration built yet', hash, state };
  if (hash === desired.hash)
    return { status: 'True', reason: 'DesiredConfig', message: `runs ${shortHash(hash)}`, hash, state };
  const inGrace = desiredSince !== undefined && now - desiredSince < graceMs;
  if (hash && knownBuild && hash !== status.rejectedHash && inGrace)
    return {
      status: 'True',
      reason: 'RecentConfig',
      message: `runs ${shortHash(hash)}, desired ${shortHash(desired.hash)} (within the grace)`,
      hash,
      state,
    };
  return {
    status: 'False',
    reason: hash && knownBuild ? 'ConfigBehind' : 'NoConfig',
    message: hash
      ? `runs ${shortHash(hash)}, desired ${shortHash(desired.hash)}`
      : `no configuration from kong-fleet yet, desired ${shortHash(desired.hash)}`,
    hash,
    state,
  };
}

/**
 * Sets a proxy Pod's readiness gate condition and its config annotations (hash, state) from what the registry
 * recorded: Kubernetes' EndpointSlice controller then keeps a Pod without the current config out of the proxy
 * Service. Coalesced per proxy; written only when the gate or annotations change. Every drift check asks again for
 * every proxy, so a proxy left behind closes within one drift interval after its grace ends.
 */
export const podReadiness = defineJob<PodReadinessPayload, PipelineDeps>({
  name: 'pod-readiness',
  role: 'drift',
  payload: PodReadinessPayload,
  coalesce: { key: (p) => p.proxy, delayMs: 100 },
  attempts: 5,
  backoff: { baseMs: 500, capMs: 15_000, jitter: 0.3 },
  concurrency: 20,
  run: async ({ proxy: id }, { deps }) => {
    const ports = deps.propagation;
    if (!ports?.pods) return { skipped: 'the Pod gate is off' };
    const proxy = await deps.registry.get(id);
    if (!proxy?.podRef) {
      await ports.store.forgetPod(id);
      return { skipped: proxy ? 'not a pod' : 'gone' };
    }
    const [status, newest, fleetTarget] = await Promise.all([
      deps.registry.status(id),
      deps.builds.desired(),
      deps.rollouts.read(),
    ]);
    // The build this proxy should run: the newest, unless a pin or a rollout step says otherwise.
    const hash = targetHash(id, newest?.hash, fleetTarget);
    const desired = newest && hash ? { ...newest, hash } : null;
    const known = status.actualHash ? (await deps.builds.record(status.actualHash)) !== null : false;
    const since =
      desired && hash === newest?.hash
        ? await ports.store.desiredSince(desired.hash)
        : desired
          ? targetSince(newest, fleetTarget)
          : undefined;
    const gate = podGateOf(
      status,
      desired,
      since,
      known,
      Date.now(),
      ports.gateGraceMs,
      deps.fleet.staleAfterMs,
    );
    const digest = `${gate.status}|${gate.reason}|${gate.message}|${gate.hash}|${gate.state}`;
    const before = await ports.store.writtenPod(id);
    if (before === digest) return { proxy: id, gate: gate.status, unchanged: true };
    const transition = before?.split('|')[0] !== gate.status;
    const result = await ports.pods.write(proxy.podRef, gate, transition);
    if (result === 'written') await ports.store.markPodWritten(id, digest);
    return { proxy: id, gate: gate.status, reason: gate.reason, result };
  },
});

/** Asks for a Pod gate update of one proxy (coalesced). */
export async function requestPodReadiness(
  deps: Pick<PipelineDeps, 'producer' | 'propagation'>,
  proxy: string,
) {
  if (deps.propagation?.pods) await deps.producer.enqueue(podReadiness, { proxy });
}
