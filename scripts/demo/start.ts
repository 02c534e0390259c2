/**
 * Start-up of the demo, one announced step at a time: the control plane, Redis, the simulated fleet, the
 * example manifests, the controller, then the wait until every proxy runs the desired configuration.
 * Every part registers its stop action in `teardown` as soon as it runs, so an interruption or a
 * failure at any step stops exactly what was started.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { fleetModeLine } from '../../testing/pods/pod-network-mode.ts';
import { type ProxyFleet, startProxyFleet } from '../../testing/proxy-fleet.ts';
import { type LocalRedis, startLocalRedis } from '../../testing/redis-server.ts';
import { startControlPlane, stopControlPlane } from '../control-plane.d/control-plane.ts';
import { kubectl } from '../control-plane.d/kubectl.ts';
import { REPO_ROOT } from '../control-plane.d/locations.ts';
import { isOurProcess, tailOf } from '../control-plane.d/processes.ts';
import { type ControlPlaneState, processesInStopOrder } from '../control-plane.d/state.ts';
import { type BoardCredentials, writeBoardCredentials } from './board-credentials.ts';
import { type DemoController, startDemoController } from './controller.ts';
import { waitForConvergence } from './convergence.ts';
import { type PodControlApi, startPodControlApi } from './pod-control-api.ts';
import { type DemoPaths, writeRecord } from './state-dir.ts';
import type { Teardown } from './teardown.ts';

/** The demo's fixed choices. */
export const DEMO = {
  namespace: 'demo',
  proxies: 3,
  adminService: 'kong-admin',
  queuePrefix: 'kong-fleet',
  driftIntervalSeconds: 5,
  examples: ['examples/quickstart.yaml', 'examples/demo.yaml'],
} as const;

export interface StartContext {
  readonly paths: DemoPaths;
  readonly cacheRoot: string;
  /** What the control plane still has to build or fetch (see checkPrerequisites). */
  readonly uncached: readonly string[];
  readonly teardown: Teardown;
  /** Aborted by Ctrl-C: start-up stops after the step in progress. */
  readonly signal: AbortSignal;
  /** One line of output. */
  readonly out: (line: string) => void;
}

export interface RunningDemo {
  readonly controlPlane: ControlPlaneState;
  readonly kubeConfig: KubeConfig;
  readonly redis: LocalRedis;
  /** The Kong Deployment's pods, each a simulated Kong at its pod IP (static proxies without a pod network). */
  readonly fleet: ProxyFleet;
  readonly controlApi: PodControlApi;
  readonly board: BoardCredentials;
  readonly controller: DemoController;
  readonly desiredHash: string;
}

/** `1.2 s` since `since` (a performance.now() reading). */
export const elapsed = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Runs `run` as one announced step: `✓ <what>: <detail> (<time>)`, or `✗ <what> failed (<time>)`. */
async function step<T>(
  context: StartContext,
  what: string,
  run: () => Promise<T>,
  detail: (result: T) => string,
): Promise<T> {
  context.signal.throwIfAborted();
  const started = performance.now();
  try {
    const result = await run();
    context.out(`  ✓ ${what}: ${detail(result)} (${elapsed(started)})`);
    context.signal.throwIfAborted();
    return result;
  } catch (err) {
    if (!context.signal.aborted) context.out(`  ✗ ${what} failed (${elapsed(started)})`);
    throw err;
  }
}

/** SIGKILL for the control plane's processes, read from its state file (for the second Ctrl-C). */
function killControlPlane(runDir: string): void {
  let state: ControlPlaneState;
  try {
    state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as ControlPlaneState;
  } catch {
    return;
  }
  for (const { pid, binary } of processesInStopOrder(state)) {
    if (isOurProcess(pid, binary)) process.kill(pid, 'SIGKILL');
  }
  // Deleting the namespace takes the veth pair and the pod CIDR's route with it.
  if (state.podNetwork) spawnSync('ip', ['netns', 'del', state.podNetwork.namespace]);
}

/** What the fleet step says: where the proxies listen and who wrote their EndpointSlices. */
function fleetDetail(fleet: ProxyFleet): string {
  const addresses = [...new Set(fleet.running().map((proxy) => proxy.address))].join(', ');
  const slices = `EndpointSlices of Service ${DEMO.namespace}/${fleet.serviceName}`;
  return fleet.mode === 'pods'
    ? `pods of Deployment ${DEMO.namespace}/kong at ${addresses} (admin mTLS :8444, proxy :8000/:8443, status :8100), ${slices}`
    : `static proxies at ${addresses} (admin mTLS, proxy and status on free ports), ${slices} written by the demo`;
}

export async function startDemo(context: StartContext): Promise<RunningDemo> {
  const { paths, teardown, out, signal } = context;

  if (context.uncached.length > 0)
    out(
      `  … first run: ${context.uncached.join(', ')} not cached yet; building them from the Go module proxy takes up to ~8 minutes (kept in ${context.cacheRoot} afterwards)`,
    );
  teardown.add({
    name: 'control plane',
    stop: () => stopControlPlane(paths.controlPlane),
    kill: () => killControlPlane(paths.controlPlane),
  });
  const controlPlane = await step(
    context,
    'control plane',
    () => startControlPlane({ runDir: paths.controlPlane, cacheRoot: context.cacheRoot }),
    (state) =>
      `Kubernetes ${state.binaries.k8sVersion} at ${state.server}, etcd ${state.binaries.etcdVersion}, ${state.crds?.files ?? 0} CRD manifests`,
  );
  const kc = new KubeConfig();
  kc.loadFromFile(controlPlane.kubeconfig);

  const redis = await step(
    context,
    'Redis',
    async () => {
      const started = await startLocalRedis({ appendOnly: true, dir: paths.redis, detached: true });
      teardown.add({
        name: 'Redis',
        stop: () => started.stop(),
        kill: () => started.process.kill('SIGKILL'),
      });
      await writeRecord(paths, {
        demo: process.pid,
        redis: { pid: started.process.pid!, port: started.port },
      });
      return started;
    },
    (r) => `${r.url}, append-only file in ${r.dir}`,
  );

  const network = controlPlane.podNetwork ?? {
    unavailable: controlPlane.podNetworkUnavailable ?? 'the control plane made none',
  };
  out(`  … ${fleetModeLine(network)}`);
  const fleet = await step(
    context,
    `${DEMO.proxies} simulated Kong proxies`,
    async () => {
      await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: DEMO.namespace } } });
      // With a pod network: deploy/kong-proxy.yaml's Deployment, whose pods KWOK schedules and gives IPs.
      const started = await startProxyFleet({
        kubeConfig: kc,
        namespace: DEMO.namespace,
        replicas: DEMO.proxies,
        podNetwork: controlPlane.podNetwork,
        apply: (manifest) =>
          kubectl(['apply', '-f', '-'], {
            kubectl: controlPlane.kubectl,
            kubeconfig: controlPlane.kubeconfig,
            input: manifest,
          }),
        serviceName: DEMO.adminService,
        pkiDir: paths.pki,
        signal,
      });
      teardown.add({ name: 'simulated proxies', stop: () => started.stop() });
      return started;
    },
    fleetDetail,
  );
  const controlApi = await step(
    context,
    'fault control API',
    async () => {
      const api = await startPodControlApi(fleet);
      teardown.add({ name: 'fault control API', stop: () => api.stop() });
      return api;
    },
    (api) => api.url,
  );

  // Applied before the controller starts, so its first build (made once every watch has listed) already
  // carries every example: "converged" below then means converged on all of them.
  await step(
    context,
    'example manifests',
    () =>
      kubectl(
        ['apply', '-n', DEMO.namespace, ...DEMO.examples.flatMap((file) => ['-f', join(REPO_ROOT, file)])],
        {
          kubectl: controlPlane.kubectl,
          kubeconfig: controlPlane.kubeconfig,
        },
      ),
    (output) =>
      `${output.trim().split('\n').length} objects from ${DEMO.examples.join(' and ')} applied to namespace ${DEMO.namespace}`,
  );

  const board = await writeBoardCredentials({
    tokenFile: paths.boardToken,
    basicAuthFile: paths.boardBasicAuth,
  });
  const controller = await step(
    context,
    'controller',
    async () => {
      const started = await startDemoController({
        logFile: paths.controllerLog,
        signal,
        settings: {
          KONG_FLEET_REDIS_URL: redis.url,
          KONG_FLEET_QUEUE_PREFIX: DEMO.queuePrefix,
          KONG_FLEET_KUBECONFIG: controlPlane.kubeconfig,
          KONG_FLEET_NAMESPACE: DEMO.namespace,
          KONG_FLEET_ADMIN_SERVICE: `${DEMO.namespace}/${fleet.serviceName}`,
          KONG_FLEET_ADMIN_TLS_CERT: fleet.clientFiles.cert,
          KONG_FLEET_ADMIN_TLS_KEY: fleet.clientFiles.key,
          KONG_FLEET_ADMIN_TLS_CA: fleet.clientFiles.ca,
          KONG_FLEET_DRIFT_INTERVAL: `${DEMO.driftIntervalSeconds}s`,
          // A proxy brought back with faults/up is re-pushed within seconds, not after a minute.
          KONG_FLEET_PUSH_BACKOFF_CAP: `${DEMO.driftIntervalSeconds}s`,
          KONG_FLEET_HTTP_HOST: '127.0.0.1',
          KONG_FLEET_HTTP_PORT: '0',
          KONG_FLEET_BOARD_TOKEN_FILE: board.tokenFile,
          KONG_FLEET_BOARD_BASIC_AUTH_FILE: board.basicAuthFile,
          KONG_FLEET_SHUTDOWN_TIMEOUT: '5s',
          KONG_FLEET_LOG_LEVEL: 'info',
        },
      });
      teardown.add({
        name: 'controller',
        stop: async () => {
          const exit = await started.stop();
          if (exit !== 0)
            throw new Error(`it exited with ${exit}; its log ends:\n${tailOf(paths.controllerLog, 10)}`);
        },
        kill: () => started.process.kill('SIGKILL'),
      });
      await writeRecord(paths, {
        demo: process.pid,
        redis: { pid: redis.process.pid!, port: redis.port },
        controller: started.pid,
      });
      return started;
    },
    (c) =>
      `pid ${c.pid}, ${c.baseUrl}, discovering ${DEMO.namespace}/${fleet.serviceName}, log in ${paths.controllerLog}`,
  );

  const desiredHash = await step(
    context,
    'convergence',
    () =>
      waitForConvergence({
        redisUrl: redis.url,
        prefix: DEMO.queuePrefix,
        proxies: fleet.running(),
        kubeConfig: kc,
        namespace: DEMO.namespace,
        driftIntervalMs: DEMO.driftIntervalSeconds * 1000,
        signal,
      }),
    (hash) => `all ${DEMO.proxies} proxies run configuration ${hash}`,
  );
  return { controlPlane, kubeConfig: kc, redis, fleet, controlApi, board, controller, desiredHash };
}
