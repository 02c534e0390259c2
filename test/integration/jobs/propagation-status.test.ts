import {
  type SimulatedFleet,
  startSimulatedFleet,
  startSimulatedProxy,
} from '@kong-fleet/kong-dbless/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKey } from '../../../domain/object-ref.ts';
import type { ObjectPropagation, PodGate } from '../../../domain/propagation.ts';
import { buildConfig } from '../../../jobs/build.ts';
import { jobs } from '../../../jobs/index.ts';
import { podReadiness } from '../../../jobs/pod-readiness.ts';
import { MAX_WRITES_PER_ROUND, propagationStatus } from '../../../jobs/propagation-status.ts';
import { pushConfig } from '../../../jobs/push.ts';
import { pathIngress } from '../../../testing/path-ingress.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { eventually } from '../../helpers/eventually.ts';
import { jobInState } from '../../helpers/jobs.ts';
import { freshNamespace } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';

const OBJECTS = MAX_WRITES_PER_ROUND + 20;

/**
 * The propagation status and Pod gate jobs on real Redis, the real build and push jobs and simulated proxies,
 * with writers that record what they are asked to write: each object written once per change, never more than
 * a round's cap at once, and a Pod written only when its gate or annotations change.
 */
describe('propagation status and Pod gate jobs', () => {
  const prefix = uniquePrefix('propagation');
  let fleet: SimulatedFleet;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  const objectWrites: ObjectPropagation[] = [];
  const podWrites: { pod: string; gate: PodGate; transition: boolean }[] = [];

  beforeAll(async () => {
    const namespace = await freshNamespace('propagation');
    fleet = await startSimulatedFleet({ count: 2, loadDurationMs: 5 });
    pipeline = testPipeline(prefix, {
      namespace,
      propagation: {
        objects: {
          write: async (verdict) => {
            objectWrites.push(verdict);
            return 'written';
          },
        },
        pods: {
          write: async (pod, gate, transition) => {
            podWrites.push({ pod: pod.name, gate, transition });
            return 'written';
          },
        },
        gateGraceMs: 0,
      },
    });
    await pipeline.registry.replaceSource(
      'EndpointSlice',
      fleet.proxies.map((p) => ({
        id: p.id,
        adminUrl: p.adminUrl,
        source: 'EndpointSlice' as const,
        podRef: { name: `pod-${p.id}`, namespace },
      })),
    );
    for (let i = 0; i < OBJECTS; i++) {
      const name = `app-${i}`;
      await pipeline.objects.put(
        objectKey({ kind: 'Service', group: '', namespace: 'apps', name }),
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name, namespace: 'apps' },
          spec: { ports: [{ port: 80 }] },
        }),
      );
      await pipeline.objects.put(
        objectKey({ kind: 'Ingress', group: 'networking.k8s.io', namespace: 'apps', name }),
        JSON.stringify({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          ...pathIngress('apps', name),
        }),
      );
    }
    await pipeline.objects.setSynced('test');
    // No leader role: no scheduled drift check re-pushes behind the test's back.
    runtime = testRuntime({
      prefix,
      jobs,
      deps: pipeline.deps,
      roles: ['build', 'push', 'drift'],
      shutdownTimeoutMs: 2000,
    });
    await runtime.start();
  });

  afterAll(async () => {
    await runtime?.stop('test done');
    await pipeline.close();
    await fleet.stop();
    await deleteKeysWithPrefix(prefix);
  });

  it('writes every object once it is live everywhere, in rounds of at most the cap, and not again when unchanged', async () => {
    const built = await pipeline.producer.enqueue(buildConfig, { reason: 'test' });
    const build = await jobInState(pipeline.producer.queue('build'), built!, 'completed');
    const hash = (build.returnvalue as { hash: string }).hash;
    for (const proxy of fleet.proxies) await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
    const live = `live on 2/2 proxies at ${hash.slice(0, 12)}…`;
    await eventually(
      () => {
        const latest = new Map(objectWrites.map((w) => [w.key, w.message]));
        return latest.size === OBJECTS && [...latest.values()].every((m) => m === live);
      },
      { timeoutMs: 60_000, intervalMs: 200, description: `all ${OBJECTS} Ingresses written live on 2/2` },
    );
    // The first round met the cap: no round ever wrote more than MAX_WRITES_PER_ROUND objects.
    const rounds = await pipeline.producer.queue('propagation-status').getJobs(['completed']);
    for (const round of rounds)
      expect((round.returnvalue as { written?: number }).written ?? 0).toBeLessThanOrEqual(
        MAX_WRITES_PER_ROUND,
      );
    expect(rounds.some((r) => (r.returnvalue as { waiting?: number }).waiting! > 0)).toBe(true);

    // Nothing changed: a further round writes nothing.
    const before = objectWrites.length;
    const again = await pipeline.producer.enqueue(propagationStatus, {});
    const done = await jobInState(pipeline.producer.queue('propagation-status'), again!, 'completed');
    expect(done.returnvalue).toMatchObject({ objects: OBJECTS });
    expect((done.returnvalue as { written?: number }).written ?? 0).toBe(0);
    expect(objectWrites.length).toBe(before);
  });

  it('opens each Pod gate once its proxy runs the desired build, and writes a Pod only when that changes', async () => {
    const desired = (await pipeline.builds.desired())!.hash;
    await eventually(
      () =>
        fleet.proxies.every((p) =>
          podWrites.some(
            (w) => w.pod === `pod-${p.id}` && w.gate.status === 'True' && w.gate.hash === desired,
          ),
        ),
      { timeoutMs: 30_000, description: 'both Pods written with the gate True at the desired hash' },
    );
    const opened = podWrites.filter((w) => w.gate.status === 'True');
    expect(opened.every((w) => w.gate.reason === 'DesiredConfig' && w.gate.state === 'Synced')).toBe(true);
    const before = podWrites.length;
    const id = await pipeline.producer.enqueue(podReadiness, { proxy: fleet.proxies[0]!.id });
    const job = await jobInState(pipeline.producer.queue('pod-readiness'), id!, 'completed');
    expect(job.returnvalue).toMatchObject({ gate: 'True', unchanged: true });
    expect(podWrites.length).toBe(before);

    // The proxy restarts and loses its config: the next drift check closes its gate.
    const [restarted] = fleet.proxies;
    restarted!.faults.restart();
    await pipeline.registry.updateStatus(restarted!.id, {
      actualHash: restarted!.state().configurationHash,
      actualHashAt: new Date().toISOString(),
    });
    const closedId = await pipeline.producer.enqueue(podReadiness, { proxy: restarted!.id });
    const closed = await jobInState(pipeline.producer.queue('pod-readiness'), closedId!, 'completed');
    expect(closed.returnvalue).toMatchObject({ gate: 'False', reason: 'NoConfig', result: 'written' });
    expect(podWrites.at(-1)).toMatchObject({ pod: `pod-${restarted!.id}`, transition: true });
  });

  it('asks for no Pod gate after pushing to a proxy that is no Pod', async () => {
    const standalone = await startSimulatedProxy({ id: 'static-0', loadDurationMs: 5 });
    try {
      await pipeline.registry.replaceSource('Static', [
        { id: standalone.id, adminUrl: standalone.adminUrl, source: 'Static' },
      ]);
      const pushed = await pipeline.producer.enqueue(pushConfig, { proxy: standalone.id });
      const push = await jobInState(pipeline.producer.queue('push'), pushed!, 'completed');
      expect(push.returnvalue).toMatchObject({ outcome: 'synced' });
      // The pushes to the Pods above did ask for their gates: the queue is the one they used.
      const gates = await pipeline.producer.queue('pod-readiness').getJobs();
      expect(gates.some((job) => job.data.proxy === fleet.proxies[0]!.id)).toBe(true);
      expect(gates.filter((job) => job.data.proxy === standalone.id)).toEqual([]);
    } finally {
      await pipeline.registry.replaceSource('Static', []);
      await standalone.stop();
    }
  });
});
