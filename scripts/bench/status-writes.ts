// Kubernetes API writes per minute that propagation status and the Pod readiness gate cost at fleet scale: the
// real job runtime on a real redis-server, N simulated proxies (each registered as a Pod), M Ingresses, and
// writers that count what they would send to the API server (every write the jobs decide on reaches them; the
// API calls themselves are left out so 1,000 proxies need no 1,000 Pods on this machine).
import { parseArgs } from 'node:util';
import { startSimulatedFleet } from '@kong-fleet/kong-dbless/simulator';
import { pino } from 'pino';
import { objectKey } from '../../domain/object-ref.ts';
import type { ObjectPropagation, PodGate } from '../../domain/propagation.ts';
import { buildConfig } from '../../jobs/build.ts';
import { jobs } from '../../jobs/index.ts';
import type { FleetApi, PipelineDeps } from '../../jobs/ports.ts';
import { pushEveryProxy } from '../../jobs/push.ts';
import { KongAdminClient } from '../../kong/admin/client.ts';
import { propagationDigest } from '../../kong/propagation.ts';
import { resolveSettings } from '../../kong/translate/index.ts';
import { waitFor } from '../../lib/wait-for.ts';
import { pathIngress } from '../../testing/path-ingress.ts';
import { startLocalRedis } from '../../testing/redis-server.ts';
import { pipelineDeps } from '../../workers/pipeline-deps.ts';
import { createRuntime } from '../../workers/runtime.ts';
import type { Benchmark } from './registry.ts';
import { printTable, round1 } from './report.ts';

/** API writes the jobs asked for, by kind, with a time per write. */
class WriteCounter {
  readonly times: { kind: string; at: number }[] = [];
  count(kind: string) {
    this.times.push({ kind, at: Date.now() });
  }
  between(kind: string, from: number, to: number): number {
    return this.times.filter((t) => t.kind === kind && t.at >= from && t.at < to).length;
  }
}

export const benchmark: Benchmark = {
  name: 'status-writes',
  summary:
    'Kubernetes API writes/min of propagation status and the Pod gate at N proxies: initial rollout, steady state, changes',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        proxies: { type: 'string', default: '1000' },
        objects: { type: 'string', default: '100' },
        /** Length of the steady and the changing phase. */
        seconds: { type: 'string', default: '60' },
        /** One object change every this many seconds in the changing phase. */
        'change-every': { type: 'string', default: '10' },
        'drift-interval': { type: 'string', default: '10' },
      },
    });
    const proxyCount = Number(values.proxies);
    const objectCount = Number(values.objects);
    const phaseMs = Number(values.seconds) * 1000;
    const changeEveryMs = Number(values['change-every']) * 1000;
    const log = (line: string) => process.stderr.write(`${line}\n`);

    log(`starting Redis and ${proxyCount} simulated proxies`);
    const redis = await startLocalRedis();
    const fleet = await startSimulatedFleet({ count: proxyCount, loadDurationMs: 5 });
    const writes = new WriteCounter();
    const lastObject = new Map<string, string>();
    const lastPod = new Map<string, string>();
    const lastInstanceState = new Map<string, string | undefined>();
    const fleetApi: FleetApi = {
      repairMode: async () => 'enforce',
      modeSpec: async () => ({ mode: 'active', force: false }),
      rolloutSpec: async () => undefined,
      fleetRef: () => ({ kind: 'ProxyFleet', group: 'kongfleet.io', namespace: 'bench', name: 'default' }),
      instanceRef: (id) => ({ kind: 'ProxyInstance', group: 'kongfleet.io', namespace: 'bench', name: id }),
      writeInstance: async (proxy, status) => {
        lastInstanceState.set(proxy.id, status.state);
        writes.count('proxyinstance');
        return [];
      },
      deleteInstance: async () => {},
      listInstances: async () => [],
      instanceName: (id) => id,
      writeFleetStatus: async () => writes.count('proxyfleet'),
      staleAfterMs: 3 * Number(values['drift-interval']) * 1000 + 5000,
    };
    const admin = new KongAdminClient({});
    const prefix = 'bench-status';
    let deps: PipelineDeps | undefined;
    const runtime = createRuntime<PipelineDeps>({
      redisUrl: redis.url,
      queuePrefix: prefix,
      roles: ['leader', 'build', 'push', 'drift'],
      shutdownTimeoutMs: 5000,
      jobs,
      logger: pino({ level: 'silent' }),
      jobOverrides: { 'drift-check': { schedule: { every: Number(values['drift-interval']) * 1000 } } },
      deps: (io) => {
        deps = pipelineDeps(io, {
          prefix,
          admin,
          events: { record: async () => true },
          fleet: fleetApi,
          translateSettings: resolveSettings({}),
          minimumKongVersion: '3.0.0',
          propagation: {
            // What the real writer does after its read: write only what differs from the object's status.
            objects: {
              write: async (verdict: ObjectPropagation) => {
                const digest = propagationDigest(verdict);
                if (lastObject.get(verdict.key) === digest) return 'unchanged';
                lastObject.set(verdict.key, digest);
                writes.count('object');
                return 'written';
              },
            },
            pods: {
              write: async (pod: { name: string }, gate: PodGate) => {
                lastPod.set(pod.name, `${gate.status}|${gate.hash}`);
                writes.count('pod');
                return 'written';
              },
            },
            gateGraceMs: 60_000,
          },
        });
        return deps;
      },
    });
    await runtime.start();
    // Stopped whatever happens: a failed phase must not leave Redis and 1,000 simulated proxies behind.
    try {
      const d = deps!;
      const ns = 'bench';
      const put = async (i: number, version: number) => {
        const name = `app-${i}`;
        await d.objects.put(
          objectKey({ kind: 'Service', group: '', namespace: ns, name }),
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name, namespace: ns },
            spec: { ports: [{ name: 'http', port: 80 }] },
          }),
        );
        await d.objects.put(
          objectKey({ kind: 'Ingress', group: 'networking.k8s.io', namespace: ns, name }),
          JSON.stringify({
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            ...pathIngress(ns, name, { annotations: { 'konghq.com/tags': `v${version}` } }),
          }),
        );
      };
      for (let i = 0; i < objectCount; i++) await put(i, 0);
      await d.objects.setSynced('bench');
      await d.registry.replaceSource(
        'EndpointSlice',
        fleet.proxies.map((p) => ({
          id: p.id,
          adminUrl: p.adminUrl,
          source: 'EndpointSlice' as const,
          podRef: { name: p.id, namespace: ns },
        })),
      );
      const allOn = async (hash: string | undefined) =>
        hash !== undefined && fleet.proxies.every((p) => p.state().configurationHash === hash);
      const allLive = (hash: string) =>
        [...lastObject.values()].length >= objectCount &&
        [...lastObject.values()].every((digest) => digest.includes(`live on ${proxyCount}/${proxyCount}`)) &&
        [...lastObject.values()].every((digest) => digest.includes(hash.slice(0, 12)));

      const all = (from: number, to: number) =>
        ['object', 'pod', 'proxyinstance', 'proxyfleet'].reduce(
          (sum, kind) => sum + writes.between(kind, from, to),
          0,
        );
      /** What the rollout's status writes end in: every ProxyInstance written Synced, every Pod gate open. */
      const statusWorkDone = () =>
        fleet.proxies.every(
          (p) => lastInstanceState.get(p.id) === 'Synced' && lastPod.get(p.id)?.startsWith('True|'),
        );

      const rows: Record<string, unknown>[] = [];
      const record = (phase: string, from: number, to: number, builds: number) => {
        const minutes = (to - from) / 60_000;
        const row = {
          phase,
          proxies: proxyCount,
          objects: objectCount,
          seconds: round1((to - from) / 1000),
          builds,
          objectWrites: writes.between('object', from, to),
          podWrites: writes.between('pod', from, to),
          objectWritesPerMin: round1(writes.between('object', from, to) / minutes),
          podWritesPerMin: round1(writes.between('pod', from, to) / minutes),
          // For scale: what the ProxyInstance status already costs in the same window.
          proxyInstanceWritesPerMin: round1(writes.between('proxyinstance', from, to) / minutes),
          // Every API write of the window (issue 19: ≤ 1/s in steady state at 1,000 proxies)…
          apiWritesPerS: round1(all(from, to) / ((to - from) / 1000)),
          // …and per proxy per config change (≤ 2): the Pod's and the ProxyInstance's writes.
          perProxyPerChange:
            builds > 0
              ? round1(
                  (writes.between('pod', from, to) + writes.between('proxyinstance', from, to)) /
                    (proxyCount * builds),
                )
              : null,
        };
        rows.push(row);
        log(`${phase}: ${JSON.stringify(row)}`);
      };

      log('phase 1: first build to every proxy');
      let from = Date.now();
      await d.producer.enqueue(buildConfig, { reason: 'bench' });
      await pushEveryProxy(d);
      const first = await waitFor(
        async () => {
          const hash = (await d.builds.desired())?.hash;
          return hash && (await allOn(hash)) && allLive(hash) ? hash : undefined;
        },
        {
          timeoutMs: 600_000,
          intervalMs: 200,
          description: 'every proxy on the first build, every object live everywhere',
        },
      );
      let to = Date.now();
      record('first rollout (until all live)', from, to, 1);
      // The rollout's status writes trail it (2 s coalescing, 20 at a time): counted as the rollout's, not
      // the steady state's.
      await waitFor(statusWorkDone, {
        timeoutMs: 600_000,
        intervalMs: 500,
        description: "the first rollout's status writes done",
      });
      to = Date.now();
      record('first rollout (until its status writes are done)', from, to, 1);

      log(`phase 2: steady, ${phaseMs / 1000} s`);
      from = Date.now();
      await new Promise((resolve) => setTimeout(resolve, phaseMs));
      to = Date.now();
      record('steady', from, to, 0);

      log(`phase 3: one Ingress changed every ${changeEveryMs / 1000} s for ${phaseMs / 1000} s`);
      from = Date.now();
      let changes = 0;
      let last = first;
      while (Date.now() - from < phaseMs) {
        changes++;
        await put(changes % objectCount, changes);
        await d.requestBuild('bench change');
        last = await waitFor(
          async () => {
            const hash = (await d.builds.desired())?.hash;
            return hash && hash !== last ? hash : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 50, description: 'the change built' },
        );
        const next = from + changes * changeEveryMs;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
      }
      to = Date.now();
      record(`changes (1 per ${changeEveryMs / 1000} s)`, from, to, changes);

      printTable(rows);
      return rows;
    } finally {
      await runtime.stop('bench done');
      await admin.close();
      await fleet.stop();
      await redis.stop();
    }
  },
};
