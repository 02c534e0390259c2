// Apply-to-all-proxies-synced latency and burst collapsing, end to end: a real kube-apiserver, a real
// redis-server, the real `kong-fleet run` process and N simulated proxies.
import { parseArgs } from 'node:util';
import { objectKey } from '../../domain/object-ref.ts';
import { buildConfig } from '../../jobs/build.ts';
import { waitFor } from '../../lib/wait-for.ts';
import { JobProducer } from '../../queue/producer.ts';
import { ObjectStore } from '../../queue/store/object-store.ts';
import { finishedJobsSince } from '../../testing/finished-jobs.ts';
import { holdPort } from '../../testing/hanging-port.ts';
import { pathIngress } from '../../testing/path-ingress.ts';
import { loadAverage, ownUsage, percentile, processUsage, startControllerStack } from './controller-stack.ts';
import type { Benchmark } from './registry.ts';
import { printTable, round1 } from './report.ts';

/** One series of single changes: latencies and what each change cost. */
interface PhaseResult {
  readonly latencies: readonly number[];
  /** Pushes that ended synced, per change, by replica (201s and 304s). */
  readonly syncedPushesPerChange: readonly number[];
  /** The most configs one proxy loaded per change (1: no proxy was sent a build twice). */
  readonly maxLoadsPerProxyPerChange: number;
  /** Pushes answered 304 (the proxy had this build already: a second push), per change, all replicas. */
  readonly repeatedPushesPerChange: number;
  readonly controllerCpuMsPerChange: number;
  readonly simulatorsCpuMsPerChange: number;
  readonly redisCommandsPerChange: number;
}

export const benchmark: Benchmark = {
  name: 'convergence',
  summary:
    'kubectl-style change → all N proxies report the new hash (p50/p99), and builds/pushes for a write burst',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        proxies: { type: 'string', default: '100' },
        changes: { type: 'string', default: '40' },
        burst: { type: 'string', default: '1000' },
        /** Then measure the single changes again with this many proxies refusing connections, then hanging. */
        down: { type: 'string', default: '0' },
        /** Controller replicas (one leads; all push): per-replica push throughput and duplicate pushes. */
        replicas: { type: 'string', default: '1' },
        /** Grow the config to about this many MB (Ingresses of 100 paths each) before measuring. */
        'config-mb': { type: 'string', default: '0' },
        /** Simulators only hash what they are sent (no validation): measures the controller, not them. */
        'hash-only': { type: 'boolean', default: false },
        /** Write the controller's info log here (to see where time goes). */
        'controller-log': { type: 'string' },
        /** Write the controller's V8 CPU profile into this folder when it stops (node --cpu-prof). */
        'controller-profile': { type: 'string' },
        /** Extra node flags for the controller, space-separated, after the image's (to compare heap settings). */
        'node-flags': { type: 'string', default: '' },
      },
    });
    const proxyCount = Number(values.proxies);
    const changes = Number(values.changes);
    const burstWrites = Number(values.burst);
    const downCount = Number(values.down);
    const configMiB = Number(values['config-mb']);
    if (!(configMiB >= 0)) throw new Error('--config-mb must be a number of MB, 0 for the smallest config');
    if (!Number.isInteger(downCount) || downCount < 0 || downCount >= proxyCount)
      throw new Error(`--down must be an integer from 0 to ${proxyCount - 1}`);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const stack = await startControllerStack({
      proxies: proxyCount,
      log,
      watchOwnNamespace: true,
      replicas: Number(values.replicas),
      hashOnly: values['hash-only'] === true,
      ...(values['controller-log'] ? { controllerLog: values['controller-log'] } : {}),
      nodeFlags: [
        // The image's 256 MiB old generation holds ~1 MB configs; the Dockerfile says to raise it for larger.
        ...(configMiB > 1 ? [`--max-old-space-size=${Math.ceil(256 + configMiB * 150)}`] : []),
        ...values['node-flags'].split(' ').filter(Boolean),
        ...(values['controller-profile']
          ? ['--cpu-prof', `--cpu-prof-dir=${values['controller-profile']}`]
          : []),
      ],
    });
    const { core, networking, namespace, prefix, fleet, redisUrl } = stack;
    const { store, builds } = stack;
    /** Routes in a build, counted once per build: parsing a megabyte text on every poll would load the machine. */
    const routeCounts = new Map<string, number>();
    const routesOf = async (hash: string) => {
      let count = routeCounts.get(hash);
      if (count === undefined) {
        const text = await builds.text(hash);
        const services: { routes?: unknown[] }[] = text ? (JSON.parse(text).services ?? []) : [];
        count = services.reduce((sum, service) => sum + (service.routes?.length ?? 0), 0);
        routeCounts.set(hash, count);
      }
      return count;
    };
    /** Waits until the desired build carries `routes` routes and every proxy reports it. */
    const convergedWith = (routes: number, description: string) =>
      waitFor(
        async () => {
          const desired = await builds.desired();
          if (!desired || (await routesOf(desired.hash)) !== routes) return false;
          return fleet.proxies.every((p) => p.state().configurationHash === desired.hash);
        },
        { timeoutMs: 180_000, intervalMs: 20, description },
      );
    /** 2 ms at 100 proxies; a 1,000-proxy fleet is looked over every 20 ms, not to load the simulators' process. */
    const pollMs = Math.max(2, Math.round(proxyCount / 50));
    /**
     * Waits until every proxy in `proxies` reports one hash other than `previous` and that hash is desired.
     * The proxies' state is in this process; Redis is read only once they agree, so the bench's polling
     * neither loads Redis nor starves the simulators sharing this event loop.
     */
    const settled = async (previous: string | undefined, timeoutMs = 60_000, proxies = fleet.proxies) =>
      waitFor(
        async () => {
          const reported = proxies[0]!.state().configurationHash;
          if (reported === previous || !proxies.every((p) => p.state().configurationHash === reported))
            return undefined;
          return (await builds.desired())?.hash === reported ? reported : undefined;
        },
        { timeoutMs, intervalMs: pollMs, description: 'every proxy to report the new hash' },
      );
    let path = 0;
    /**
     * `count` single changes, each timed until every proxy in `live` reports the new hash, with what they
     * cost per change: the controller's CPU, the simulators' (this process), and Redis commands (the
     * bench's own few reads included).
     */
    const singleChanges = async (count: number, live = fleet.proxies) => {
      let hash = (await builds.desired())?.hash;
      const latencies: number[] = [];
      const [controllerFrom, simulatorsFrom, redisFrom, pushesFrom] = await Promise.all([
        controllersUsage(),
        ownUsage(),
        redisCommands(),
        Promise.all(stack.baseUrls.map(pushCounts)),
      ]);
      const commandsFrom = await redisCommandStats();
      const loadsFrom = live.map((p) => p.state().configPushes);
      for (let i = 0; i < count; i++) {
        path += 1;
        const started = performance.now();
        await networking.patchNamespacedIngress({
          name: 'echo',
          namespace,
          body: [{ op: 'replace', path: '/spec/rules/0/http/paths/0/path', value: `/v${path}` }],
        });
        hash = await settled(hash, 300_000, live);
        latencies.push(performance.now() - started);
      }
      // The proxies report the new hash before the last pushes have read it back and been counted.
      const allCounted = async () => {
        const counts = await Promise.all(stack.baseUrls.map(pushCounts));
        const synced = counts.reduce((sum, c, r) => sum + c.synced - pushesFrom[r]!.synced, 0);
        return synced >= live.length * count ? counts : undefined;
      };
      // Counted first: the costs below then include the last pushes' own.
      const pushesTo = await waitFor(allCounted, {
        timeoutMs: 10_000,
        intervalMs: 100,
        description: 'every push to be counted',
      }).catch(() => {
        log('not every push of the phase was counted within 10 s');
        return Promise.all(stack.baseUrls.map(pushCounts));
      });
      const [controllerTo, simulatorsTo, redisTo] = await Promise.all([
        controllersUsage(),
        ownUsage(),
        redisCommands(),
      ]);
      const byCommand = await redisCommandStats();
      log(
        `Redis commands per change, busiest: ${[...byCommand]
          .map(([command, calls]) => [command, (calls - (commandsFrom.get(command) ?? 0)) / count] as const)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 12)
          .map(([command, calls]) => `${command} ${Math.round(calls)}`)
          .join(', ')}`,
      );
      return {
        latencies,
        syncedPushesPerChange: pushesTo.map((to, r) => (to.synced - pushesFrom[r]!.synced) / count),
        maxLoadsPerProxyPerChange:
          Math.max(...live.map((p, i) => p.state().configPushes - loadsFrom[i]!)) / count,
        repeatedPushesPerChange:
          pushesTo.reduce((sum, to, r) => sum + to.notModified - pushesFrom[r]!.notModified, 0) / count,
        controllerCpuMsPerChange: ((controllerTo.cpuSeconds - controllerFrom.cpuSeconds) * 1000) / count,
        simulatorsCpuMsPerChange: ((simulatorsTo.cpuSeconds - simulatorsFrom.cpuSeconds) * 1000) / count,
        redisCommandsPerChange: (redisTo - redisFrom) / count,
      };
    };
    const desiredBytes = async () => (await builds.record((await builds.desired())!.hash))?.sizeBytes ?? 0;
    /**
     * Grows the config to about `bytes` with Ingresses of 100 paths each onto Service `echo`: one such Ingress
     * first, to learn the bytes and routes one adds, then the rest at once.
     */
    const growConfig = async (bytes: number) => {
      const bulk = (i: number) => ({
        metadata: { name: `bulk-${i}`, namespace },
        spec: {
          ingressClassName: 'kong',
          rules: [
            {
              host: `bulk-${i}.example.com`,
              http: {
                paths: Array.from({ length: 100 }, (_, p) => ({
                  path: `/bulk-${i}/path-${p}`,
                  pathType: 'Prefix',
                  backend: { service: { name: 'echo', port: { number: 80 } } },
                })),
              },
            },
          ],
        },
      });
      const before = await desiredBytes();
      const previous = (await builds.desired())!.hash;
      const routesBefore = await routesOf(previous);
      await networking.createNamespacedIngress({ namespace, body: bulk(0) });
      const first = await settled(previous, 300_000);
      const perIngress = (await desiredBytes()) - before;
      // KIC combines a rule's paths onto one backend into one route: count what one Ingress adds.
      const routesPerIngress = (await routesOf(first)) - routesBefore;
      const count = Math.max(0, Math.ceil((bytes - before) / perIngress) - 1);
      log(`growing the config: ${count + 1} Ingresses of 100 paths, ${round1(perIngress / 1024)} KiB each`);
      for (let i = 1; i <= count; i += 20)
        await Promise.all(
          Array.from({ length: Math.min(20, count + 1 - i) }, (_, k) =>
            networking.createNamespacedIngress({ namespace, body: bulk(i + k) }),
          ),
        );
      await convergedWith(
        routesBefore + (count + 1) * routesPerIngress,
        'the grown config to reach every proxy',
      );
      return desiredBytes();
    };
    /** Calls per Redis command so far, those run inside Lua scripts included (INFO commandstats). */
    const redisCommandStats = async () =>
      new Map(
        [...(await store.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(
          ([, command, calls]) => [command!, Number(calls)] as const,
        ),
      );
    /** Every controller replica's CPU seconds together, and the highest peak RSS of one of them. */
    const controllersUsage = async () => {
      const usages = await Promise.all(stack.controllers.map((c) => processUsage(c.pid!)));
      return {
        cpuSeconds: usages.reduce((sum, u) => sum + u.cpuSeconds, 0),
        peakRssMiB: Math.max(...usages.map((u) => u.peakRssMiB)),
      };
    };
    /** Commands Redis has processed so far (INFO stats). */
    const redisCommands = async () =>
      Number(/total_commands_processed:(\d+)/.exec(await store.info('stats'))?.[1] ?? Number.NaN);

    try {
      const ingress = (name: string, path: string) => pathIngress(namespace, name, { path });
      await core.createNamespacedService({
        namespace,
        body: { metadata: { name: 'echo', namespace }, spec: { ports: [{ name: 'http', port: 80 }] } },
      });
      await networking.createNamespacedIngress({ namespace, body: ingress('echo', '/v0') });
      await settled(undefined, 120_000);
      const configBytes = configMiB > 0 ? await growConfig(configMiB * 2 ** 20) : await desiredBytes();

      log(`measuring ${changes} single changes (config ${round1(configBytes / 2 ** 20)} MiB)`);
      const allUp = await singleChanges(changes);
      const latencies = allUp.latencies;
      log(`single-change latencies (ms): ${latencies.map((ms) => Math.round(ms)).join(' ')}`);
      // Measured next to the all-up figures, on the same config size: "a dead proxy delays nobody".
      const down = downCount > 0 ? await downScenarios(downCount) : undefined;

      /** The same single changes with `count` proxies refusing connections, then accepting and never answering. */
      async function downScenarios(count: number) {
        const victims = fleet.proxies.slice(0, count);
        const live = fleet.proxies.slice(count);
        const recovered = async () => {
          await Promise.all(victims.map((victim) => victim.faults.up()));
          await settled(undefined, 180_000);
        };
        log(`measuring ${changes} single changes with ${count} proxies refusing connections`);
        await Promise.all(victims.map((victim) => victim.faults.down()));
        const refused = await singleChanges(changes, live);
        await recovered();
        log(`measuring ${changes} single changes with ${count} proxies accepting and never answering`);
        await Promise.all(victims.map((victim) => victim.faults.down()));
        const holds = await Promise.all(
          victims.map((victim) => holdPort(new URL(victim.adminUrl).hostname, victim.port)),
        );
        const hanging = await singleChanges(changes, live).finally(() =>
          Promise.all(holds.map((hold) => hold.close())),
        );
        await recovered();
        const row = (scenario: string, phase: PhaseResult, liveCount: number) => ({
          scenario,
          live_proxies: liveCount,
          p50_ms: round1(percentile(phase.latencies, 50)),
          p99_ms: round1(percentile(phase.latencies, 99)),
          max_ms: round1(Math.max(...phase.latencies)),
          controller_cpu_ms_per_change: round1(phase.controllerCpuMsPerChange),
          simulators_cpu_ms_per_change: round1(phase.simulatorsCpuMsPerChange),
          redis_commands_per_change: Math.round(phase.redisCommandsPerChange),
        });
        printTable([
          row('all up', allUp, proxyCount),
          row(`${count} refusing`, refused, live.length),
          row(`${count} hanging`, hanging, live.length),
        ]);
        process.stdout.write('\n');
        return { refused, hanging };
      }

      const single = {
        proxies: proxyCount,
        config_mib: round1(configBytes / 2 ** 20),
        changes,
        p50_ms: round1(percentile(latencies, 50)),
        p99_ms: round1(percentile(latencies, 99)),
        max_ms: round1(Math.max(...latencies)),
        controller_cpu_ms_per_change: round1(allUp.controllerCpuMsPerChange),
        simulators_cpu_ms_per_change: round1(allUp.simulatorsCpuMsPerChange),
        redis_commands_per_change: Math.round(allUp.redisCommandsPerChange),
        controller_peak_rss_mib: round1((await controllersUsage()).peakRssMiB),
        replicas: stack.controllers.length,
        synced_pushes_per_change_by_replica: allUp.syncedPushesPerChange.map(round1).join(' / '),
        repeated_pushes_per_change: round1(allUp.repeatedPushesPerChange),
        max_loads_per_proxy_per_change: round1(allUp.maxLoadsPerProxyPerChange),
        push_throughput_per_replica_per_s: allUp.syncedPushesPerChange
          .map((perChange) =>
            round1((perChange * changes * 1000) / allUp.latencies.reduce((a, b) => a + b, 0)),
          )
          .join(' / '),
        load_average: await loadAverage(),
        ...(down
          ? {
              down: downCount,
              down_refused_p50_ms: round1(percentile(down.refused.latencies, 50)),
              down_refused_p99_ms: round1(percentile(down.refused.latencies, 99)),
              down_refused_controller_cpu_ms_per_change: round1(down.refused.controllerCpuMsPerChange),
              down_hanging_p50_ms: round1(percentile(down.hanging.latencies, 50)),
              down_hanging_p99_ms: round1(percentile(down.hanging.latencies, 99)),
              down_hanging_controller_cpu_ms_per_change: round1(down.hanging.controllerCpuMsPerChange),
            }
          : {}),
      };
      // --burst 0: the single changes only (a grown config would make the burst's route count meaningless).
      if (burstWrites === 0) {
        printTable([single]);
        return [single];
      }
      log(`writing a burst of ${burstWrites} objects`);
      const routesBefore = await routesOf((await builds.desired())!.hash);
      const burstStart = Date.now();
      const pushesBefore = fleet.proxies.map((p) => p.state().configPushes);
      const writes: (() => Promise<unknown>)[] = [];
      for (let i = 0; i < burstWrites; i++) {
        const name = `burst-${i}`;
        writes.push(() =>
          i % 2 === 0
            ? core.createNamespacedService({
                namespace,
                body: { metadata: { name, namespace }, spec: { ports: [{ name: 'http', port: 80 }] } },
              })
            : networking.createNamespacedIngress({
                namespace,
                body: ingress(`burst-${i - 1}`, `/burst-${i - 1}`),
              }),
        );
      }
      for (let i = 0; i < writes.length; i += 50)
        await Promise.all(writes.slice(i, i + 50).map((write) => write()));
      const writeMs = Date.now() - burstStart;
      const expectedRoutes = routesBefore + Math.floor(burstWrites / 2);
      await convergedWith(expectedRoutes, 'the burst to converge');
      const convergedMs = Date.now() - burstStart;
      const burstBuilds = (await finishedJobsSince(redisUrl, prefix, 'build', burstStart)).filter(
        (job) => (job.returnvalue as { outcome?: string } | null)?.outcome !== 'waiting-for-sync',
      );
      // Configs each proxy loaded (201s), as the proxies counted them: job records are trimmed by retention.
      const perProxy = fleet.proxies.map((p, i) => p.state().configPushes - pushesBefore[i]!);

      log(`writing ${burstWrites} objects into the state store as fast as possible, as the watcher would`);
      const direct = await storeBurst(burstWrites);

      /**
       * The API server here takes ~50-100 writes/s, so a kubectl burst cannot reach DESIGN's "1,000 writes
       * in 1 s". To measure the coalescing at that rate, write the objects straight into the state store and
       * request builds exactly as ResourceWatcher does for every stored change.
       */
      async function storeBurst(count: number) {
        const objects = new ObjectStore({ redis: store, prefix });
        const producer = new JobProducer({ connection: store, prefix });
        const ns = 'bench-direct';
        const started = Date.now();
        const before = fleet.proxies.map((p) => p.state().configPushes);
        for (let i = 0; i < count; i += 2) {
          const name = `direct-${i}`;
          const service = {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name, namespace: ns },
            spec: { ports: [{ name: 'http', port: 80 }] },
          };
          const route = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', ...pathIngress(ns, name) };
          await objects.put(
            objectKey({ kind: 'Service', group: '', namespace: ns, name }),
            JSON.stringify(service),
          );
          await producer.enqueue(buildConfig, { reason: `changed Service/${ns}/${name}` });
          await objects.put(
            objectKey({ kind: 'Ingress', group: 'networking.k8s.io', namespace: ns, name }),
            JSON.stringify(route),
          );
          await producer.enqueue(buildConfig, { reason: `changed Ingress/${ns}/${name}` });
        }
        const writeMs = Date.now() - started;
        const expected = expectedRoutes + Math.ceil(count / 2);
        await convergedWith(expected, 'the store burst to converge');
        const convergedMs = Date.now() - started;
        await producer.close();
        const burstBuilds = await finishedJobsSince(redisUrl, prefix, 'build', started);
        return {
          writeMs,
          convergedMs,
          builds: burstBuilds.length,
          perProxy: fleet.proxies.map((p, i) => p.state().configPushes - before[i]!),
        };
      }

      const rows = [
        {
          ...single,
          burst_writes: burstWrites,
          burst_write_ms: writeMs,
          burst_converged_ms: convergedMs,
          burst_builds: burstBuilds.length,
          burst_loads_per_proxy_max: Math.max(...perProxy),
          burst_loads_per_proxy_avg: round1(perProxy.reduce((a, b) => a + b, 0) / perProxy.length),
          store_burst_write_ms: direct.writeMs,
          store_burst_converged_ms: direct.convergedMs,
          store_burst_builds: direct.builds,
          store_burst_loads_per_proxy_max: Math.max(...direct.perProxy),
        },
      ];
      printTable(rows);
      return rows;
    } finally {
      await stack.stop();
    }
  },
};

/** Pushes one replica ended synced, and how many of them the proxy answered 304, from its /metrics. */
async function pushCounts(baseUrl: string): Promise<{ synced: number; notModified: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let synced = 0;
  let notModified = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('kong_fleet_pushes_total{') || !line.includes('result="synced"')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    synced += value;
    if (line.includes('reason="304"')) notModified += value;
  }
  return { synced, notModified };
}
