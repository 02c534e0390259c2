import { z } from 'zod';
import { propagationDigest, propagationOf } from '../kong/propagation.ts';
import { defineJob } from '../queue/define-job.ts';
import type { PipelineDeps } from './ports.ts';

export const PropagationStatusPayload = z.strictObject({});
export type PropagationStatusPayload = z.infer<typeof PropagationStatusPayload>;

/**
 * One round of writes starts at most this often: a push wave to 1,000 proxies moves every object's count many
 * times, and each object is written once per round with the count it has then, not once per proxy.
 */
export const PROPAGATION_ROUND_MS = 5000;

/** Writes a round may make; the rest wait for the next round (a burst of objects is spread out, not fired at once). */
export const MAX_WRITES_PER_ROUND = 100;

const WRITE_CONCURRENCY = 8;

/**
 * Tells each object of the desired build how far it got: `Programmed` on Kong CRDs and on our route parents,
 * annotations on Ingresses ("live on 47/50 proxies at 3c95…", or the error that dropped it). Coalesced into
 * rounds, an object whose status did not change is not written (the last digest written is kept in Redis),
 * and a round writes at most MAX_WRITES_PER_ROUND objects. Also scheduled, so a lost write heals.
 */
export const propagationStatus = defineJob<PropagationStatusPayload, PipelineDeps>({
  name: 'propagation-status',
  role: 'drift',
  payload: PropagationStatusPayload,
  coalesce: { key: () => 'propagation-status', delayMs: PROPAGATION_ROUND_MS },
  schedule: { every: 60_000 },
  schedulePayload: {},
  attempts: 5,
  backoff: { baseMs: 1000, capMs: 30_000, jitter: 0.3 },
  run: async (_payload, { deps, log }) => {
    const writer = deps.propagation?.objects;
    if (!deps.propagation || !writer) return { skipped: 'propagation status is off' };
    const { store } = deps.propagation;
    const desired = await deps.builds.desired();
    if (!desired) return { skipped: 'no build yet' };
    const proxies = await deps.registry.list();
    // A proxy counts with the hash it reported within the freshness window; one not heard from since (down,
    // partitioned) counts as not serving the object, as its ProxyInstance shows it Unreachable.
    const now = Date.now();
    const hashes = await Promise.all(
      proxies.map(async (p) => {
        const status = await deps.registry.status(p.id);
        const readAt = status.actualHashAt ? Date.parse(status.actualHashAt) : Number.NaN;
        return now - readAt <= deps.fleet.staleAfterMs ? status.actualHash : undefined;
      }),
    );
    const builds = await store.buildObjects([
      ...new Set([desired.hash, ...hashes.filter((h) => h !== undefined)]),
    ]);
    const objects = builds.get(desired.hash);
    if (!objects) return { skipped: `no object list for build ${desired.hash}` };
    const verdicts = propagationOf({ hash: desired.hash, objects }, hashes, (hash) => builds.get(hash));
    const written = await store.writtenObjects(verdicts.map((v) => v.key));
    const changed = verdicts.filter((v, i) => written[i] !== propagationDigest(v));
    const round = changed.slice(0, MAX_WRITES_PER_ROUND);
    const results: Record<string, number> = {};
    const done = new Map<string, string>();
    for (let i = 0; i < round.length; i += WRITE_CONCURRENCY) {
      await Promise.all(
        round.slice(i, i + WRITE_CONCURRENCY).map(async (verdict) => {
          const result = await writer.write(verdict);
          results[result] = (results[result] ?? 0) + 1;
          // No parent of ours yet or a lost race: left unrecorded, the next round tries again.
          if (result === 'written' || result === 'unchanged' || result === 'missing')
            done.set(verdict.key, propagationDigest(verdict));
        }),
      );
    }
    await store.markObjectsWritten(done);
    await store.pruneObjects(new Set(verdicts.map((v) => v.key)));
    const retry = changed.length - done.size;
    if (retry > 0) await deps.producer.enqueue(propagationStatus, {});
    if (results.written)
      log.info({ hash: desired.hash, ...results, waiting: retry }, 'propagation status written');
    return { objects: verdicts.length, ...results, waiting: retry };
  },
});

/** Asks for a propagation round (coalesced; safe to call on every proxy or build change). */
export async function requestPropagationStatus(deps: Pick<PipelineDeps, 'producer' | 'propagation'>) {
  if (deps.propagation?.objects) await deps.producer.enqueue(propagationStatus, {});
}
