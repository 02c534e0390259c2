// What the process-level benchmarks (restart, soak) stand on: a real kube-apiserver, a real redis-server,
// N simulated proxies in this process, and the real `kong-fleet run` as a child process whose CPU and
// RSS are read from /proc apart from this process's (the simulators').
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SimulatedFleet, startSimulatedFleet } from '@kong-fleet/kong-dbless/simulator';
import { CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { BuildStore } from '../../queue/store/build-store.ts';
import { freePort } from '../../testing/free-port.ts';
import { startLocalRedis } from '../../testing/redis-server.ts';
import { startControlPlane, stopControlPlane } from '../control-plane.d/control-plane.ts';
import { buildImageTree, imageRuntime, linkNodeModules } from '../image/build-tree.ts';

const CLOCK_TICKS_PER_S = 100;

export interface ControllerStack {
  readonly namespace: string;
  readonly prefix: string;
  readonly kubeconfig: string;
  readonly kubectl: string;
  readonly core: CoreV1Api;
  readonly networking: NetworkingV1Api;
  readonly fleet: SimulatedFleet;
  readonly redisUrl: string;
  /** A client of the stack's Redis for the benchmark's own reads. */
  readonly store: Redis;
  readonly builds: BuildStore;
  /** The first controller replica (the only one unless `replicas` was given). */
  readonly controller: ChildProcess;
  /** The first replica's HTTP server (/metrics, /api). */
  readonly baseUrl: string;
  /** Every replica, and each one's HTTP server, in the same order. */
  readonly controllers: readonly ChildProcess[];
  readonly baseUrls: readonly string[];
  stop(): Promise<void>;
}

export interface ControllerStackOptions {
  readonly proxies: number;
  /** Simulators accept configs without validating them (hash only), so the fleet can grow cheaply. */
  readonly hashOnly?: boolean;
  /** Extra controller environment (settings). */
  readonly env?: Record<string, string>;
  /** Node flags for the controller, after the image's own (a later flag wins). */
  readonly nodeFlags?: readonly string[];
  /** The controller's info log goes here; warnings only otherwise. */
  readonly controllerLog?: string;
  /** Watch only the benchmark's namespace (every namespace otherwise). */
  readonly watchOwnNamespace?: boolean;
  /** Controller replicas on the same Redis and cluster: one leads, all push. @defaultValue 1 */
  readonly replicas?: number;
  readonly log: (line: string) => void;
}

/**
 * Starts the stack; the controller talks to the simulated proxies as a static list. The controller runs as
 * the image runs it: the compiled tree, the Dockerfile's ENTRYPOINT flags and ENV (scripts/image).
 */
export async function startControllerStack(options: ControllerStackOptions): Promise<ControllerStack> {
  const runDir = await mkdtemp(join(tmpdir(), 'kf-bench-cp-'));
  const tree = join(runDir, 'image-tree');
  await buildImageTree(tree);
  await linkNodeModules(tree);
  const image = await imageRuntime();
  options.log(`starting the control plane, Redis and ${options.proxies} simulated proxies`);
  const controlPlane = await startControlPlane({ runDir, cluster: false });
  const redis = await startLocalRedis();
  const fleet = await startSimulatedFleet({
    count: options.proxies,
    loadDurationMs: 5,
    ...(options.hashOnly ? { validate: false } : {}),
  });
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const namespace = `bench-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const prefix = 'bench';
  const flags = [...image.nodeFlags, ...(options.nodeFlags ?? [])];
  const replicas = Math.max(1, options.replicas ?? 1);
  const controllers: ChildProcess[] = [];
  const baseUrls: string[] = [];
  for (let replica = 0; replica < replicas; replica++) {
    const httpPort = await freePort();
    // A replica's log beside the first one's: `controller.log`, `controller.log.1`, …
    const logFile =
      options.controllerLog &&
      (replica === 0 ? options.controllerLog : `${options.controllerLog}.${replica}`);
    controllers.push(
      spawn(process.execPath, [...flags, join(tree, image.entry), 'run'], {
        env: {
          ...process.env,
          ...image.env,
          KONG_FLEET_REDIS_URL: redis.url,
          KONG_FLEET_QUEUE_PREFIX: prefix,
          KONG_FLEET_KUBECONFIG: controlPlane.kubeconfig,
          KONG_FLEET_NAMESPACE: namespace,
          ...(options.watchOwnNamespace ? { KONG_FLEET_WATCH_NAMESPACES: namespace } : {}),
          KONG_FLEET_PROXIES: fleet.proxies.map((p) => p.adminUrl).join(','),
          KONG_FLEET_HTTP_HOST: '127.0.0.1',
          KONG_FLEET_HTTP_PORT: String(httpPort),
          KONG_FLEET_LOG_LEVEL: logFile ? 'info' : 'warn',
          ...options.env,
        },
        stdio: ['ignore', logFile ? openSync(logFile, 'w') : 'ignore', 'inherit'],
      }),
    );
    baseUrls.push(`http://127.0.0.1:${httpPort}`);
  }
  const store = new Redis(redis.url);
  const builds = new BuildStore({ redis: store, prefix });
  return {
    namespace,
    prefix,
    kubeconfig: controlPlane.kubeconfig,
    kubectl: controlPlane.kubectl,
    core,
    networking,
    fleet,
    redisUrl: redis.url,
    store,
    builds,
    controller: controllers[0]!,
    baseUrl: baseUrls[0]!,
    controllers,
    baseUrls,
    async stop() {
      await Promise.all(
        controllers.map(async (controller) => {
          controller.kill('SIGTERM');
          if (controller.exitCode === null) await new Promise((resolve) => controller.once('exit', resolve));
        }),
      );
      store.disconnect();
      await fleet.stop();
      await redis.stop();
      await stopControlPlane(runDir);
      await rm(runDir, { recursive: true, force: true });
    },
  };
}

/** A process's CPU seconds so far and its resident memory now and at its peak (MiB), from /proc. */
export interface ProcessUsage {
  readonly cpuSeconds: number;
  readonly rssMiB: number;
  readonly peakRssMiB: number;
}

export async function processUsage(pid: number): Promise<ProcessUsage> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
  ]);
  // Fields after the command name (which may hold spaces) start at state: utime is the 14th field, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return {
    cpuSeconds: ticks / CLOCK_TICKS_PER_S,
    rssMiB: kib('VmRSS') / 1024,
    peakRssMiB: kib('VmHWM') / 1024,
  };
}

/** This process's (the simulators') CPU seconds and RSS. */
export function ownUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  const rss = process.memoryUsage.rss() / 2 ** 20;
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssMiB: rss,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

/** The controller's V8 heap in use and its memory outside the heap (buffers, wasm), MiB, from its /metrics. */
export async function controllerHeap(baseUrl: string): Promise<{ heapMiB: number; externalMiB: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const mib = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
  return { heapMiB: mib('nodejs_heap_size_used_bytes'), externalMiB: mib('nodejs_external_memory_bytes') };
}

/** The nearest-rank percentile of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `uptime`'s load averages, for the figures' context. */
export async function loadAverage(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
}
