/**
 * The stage of one chaos scenario: a fresh namespace with the Kong Deployment of deploy/kong-proxy.yaml
 * (each pod a simulated Kong at its pod IP), the scenario's own Redis, and `kong-fleet run` processes
 * watching only that namespace. `close()` removes all of it.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { KongAdminClient } from '../../kong/admin/client.ts';
import { ReloadingTlsCredentials } from '../../kong/admin/tls-credentials.ts';
import { waitFor } from '../../lib/wait-for.ts';
import type { PodNetwork } from '../../testing/pods/pod-network.ts';
import { type ProxyPod, type ProxyPods, startProxyPods } from '../../testing/pods/proxy-pods.ts';
import { kubectl } from '../control-plane.d/kubectl.ts';
import { REPO_ROOT } from '../control-plane.d/locations.ts';
import type { ControlPlaneState } from '../control-plane.d/state.ts';
import { type DemoController, startDemoController } from '../demo/controller.ts';
import type { ChaosRedis } from './redis.ts';

/** The cluster every scenario runs in. */
export interface ChaosCluster {
  readonly kubeConfig: KubeConfig;
  readonly kubeconfig: string;
  readonly kubectl: string;
  readonly podNetwork: PodNetwork;
  /** The control plane's state, where a scenario may restart the apiserver (not in `npm test`). */
  controlPlane?: ControlPlaneState;
}

export interface ChaosController extends DemoController {
  readonly name: string;
  readonly logFile: string;
  log(): Promise<string>;
}

export interface Stage {
  readonly cluster: ChaosCluster;
  readonly namespace: string;
  readonly prefix: string;
  readonly redis: ChaosRedis;
  readonly pods: ProxyPods;
  /** Reads what proxies serve with the controller's client certificate. */
  readonly admin: KongAdminClient;
  /** Controllers started so far that still run. */
  readonly controllers: ChaosController[];
  /** Starts one more `kong-fleet run`; `leaderElection` when replicas share the work. */
  startController(options?: { leaderElection?: boolean }): Promise<ChaosController>;
  kubectlApply(manifest: string): Promise<void>;
  proxies(): ProxyPod[];
  /** What the fault did, as the scenario saw it (which leader died, how long a failover took). */
  readonly notes: string[];
  /** Controllers that exited by themselves with a failure (not killed or stopped by the scenario). */
  crashes(): number;
  close(keepLogsIn?: string): Promise<void>;
}

export const PROXIES = 3;
/** The controllers' drift interval: a proxy that lost its config is re-pushed within about this. */
export const DRIFT_INTERVAL = '3s';

export async function openStage(cluster: ChaosCluster, scenario: string, redis: ChaosRedis): Promise<Stage> {
  const namespace = `chaos-${scenario}-${randomBytes(3).toString('hex')}`.slice(0, 63);
  const prefix = `kf-${namespace}`;
  const logDir = await mkdtemp(join(tmpdir(), 'kf-chaos-logs-'));
  const controllers: ChaosController[] = [];
  let started = 0;
  let crashes = 0;
  const kube = (args: string[], input?: string) =>
    kubectl(args, {
      kubectl: cluster.kubectl,
      kubeconfig: cluster.kubeconfig,
      ...(input ? { input } : {}),
      timeoutMs: 30_000,
    });

  await cluster.kubeConfig
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: namespace } } });
  const manifest = (await readFile(join(REPO_ROOT, 'deploy/kong-proxy.yaml'), 'utf8'))
    .replaceAll('namespace: kong-fleet', `namespace: ${namespace}`)
    .replace(/^ {2}replicas: \d+$/m, `  replicas: ${PROXIES}`);
  await kube(['apply', '-f', '-'], manifest);
  const pods = await startProxyPods({
    kubeConfig: cluster.kubeConfig,
    namespace,
    podNetwork: cluster.podNetwork,
  });
  const credentials = new ReloadingTlsCredentials(
    { certFile: pods.clientFiles.cert, keyFile: pods.clientFiles.key, caFile: pods.clientFiles.ca },
    pino({ level: 'silent' }),
  );
  await credentials.load();
  const admin = new KongAdminClient({ credentials });
  await waitFor(
    async () => {
      await pods.settled();
      return pods.running().length === PROXIES;
    },
    { timeoutMs: 90_000, intervalMs: 250, description: `${PROXIES} proxy pods serving in ${namespace}` },
  );

  return {
    cluster,
    namespace,
    prefix,
    redis,
    pods,
    admin,
    controllers,
    async startController({ leaderElection = false } = {}) {
      const name = `controller-${started++}`;
      const logFile = join(logDir, `${name}.log`);
      const controller = await startDemoController({
        logFile,
        timeoutMs: 60_000,
        settings: {
          ...redis.settings,
          KONG_FLEET_QUEUE_PREFIX: prefix,
          KONG_FLEET_KUBECONFIG: cluster.kubeconfig,
          KONG_FLEET_WATCH_NAMESPACES: namespace,
          KONG_FLEET_NAMESPACE: namespace,
          KONG_FLEET_ADMIN_SERVICE: `${namespace}/${pods.serviceName}`,
          KONG_FLEET_ADMIN_TLS_CERT: pods.clientFiles.cert,
          KONG_FLEET_ADMIN_TLS_KEY: pods.clientFiles.key,
          KONG_FLEET_ADMIN_TLS_CA: pods.clientFiles.ca,
          KONG_FLEET_DRIFT_INTERVAL: DRIFT_INTERVAL,
          KONG_FLEET_PUSH_BACKOFF_CAP: '2s',
          KONG_FLEET_LEADER_ELECTION: String(leaderElection),
          KONG_FLEET_HTTP_HOST: '127.0.0.1',
          KONG_FLEET_HTTP_PORT: '0',
          KONG_FLEET_SHUTDOWN_TIMEOUT: '5s',
          KONG_FLEET_LOG_LEVEL: 'info',
        },
      });
      // The leader identity starts with POD_NAME; the log says which process leads.
      const entry: ChaosController = { ...controller, name, logFile, log: () => readFile(logFile, 'utf8') };
      controllers.push(entry);
      controller.process.once('exit', (code, signal) => {
        const at = controllers.indexOf(entry);
        if (at >= 0) controllers.splice(at, 1);
        if (signal === null && code !== 0) crashes++;
      });
      return entry;
    },
    async kubectlApply(text) {
      await kube(['apply', '-n', namespace, '-f', '-'], text);
    },
    proxies: () => pods.running(),
    notes: [],
    crashes: () => crashes,
    async close(keepLogsIn) {
      await Promise.allSettled([...controllers].map((controller) => controller.stop(5000)));
      await admin.close();
      await pods.stop();
      await redis.stop();
      await kube(['delete', 'namespace', namespace, '--wait=false']).catch(() => {});
      if (keepLogsIn) {
        await cp(logDir, join(keepLogsIn, namespace), { recursive: true });
      }
      await rm(logDir, { recursive: true, force: true });
    },
  };
}
