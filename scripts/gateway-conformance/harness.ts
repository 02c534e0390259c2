/**
 * Everything the Gateway API conformance suite's traffic tests need, then the given command, then the
 * teardown: `node scripts/gateway-conformance/harness.ts [--keep] -- COMMAND…` (traffic.sh runs run.sh so).
 *
 *  - a `scripts/control-plane` cluster in a state folder of its own, with its pod network (network
 *    namespace `kf-pods-<id>`; root needed: without one the harness stops and says why);
 *  - Redis on loopback and one Kong pod (deploy/kong-proxy.yaml in namespace `kong-fleet`) served by a
 *    simulated Kong at its pod IP (testing/pods/proxy-pods.ts: proxy 8000/8443);
 *  - the Gateway's address: `10.X.255.250` inside the pod network (the anchor's neighbour, out of node
 *    IPAM's /24s), where TCP forwarders play the LoadBalancer Service: 80 and 8080 → the pod's 8000, 443 →
 *    8443; the controller publishes it (`KONG_FLEET_PUBLISH_ADDRESSES`) in every Gateway's status;
 *  - echo-basic stand-ins for the suite's backend pods (testing/pods/echo-basic-pods.ts);
 *  - a `kong-fleet run` controller serving the GatewayClass `kong-fleet` (kongfleet.io/gateway-controller).
 *
 * `ROUTER_FLAVOR=expressions` runs the Kong pod with the expression router and the controller with
 * `ExpressionRoutes=true` (default: the simulator's traditional_compatible, no flag).
 *
 * The command runs with KUBECONFIG, GATEWAY_ADDRESS and CONTROLLER_LOG set. The suite reaches the API
 * server on loopback and the Gateway through the pod CIDR's route: no other address is ever contacted.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '../../lib/wait-for.ts';
import { startEchoBasicPods } from '../../testing/pods/echo-basic-pods.ts';
import { startPodHost } from '../../testing/pods/pod-host-client.ts';
import { addPodAddress, removePodAddress } from '../../testing/pods/pod-network.ts';
import { startProxyFleet } from '../../testing/proxy-fleet.ts';
import { startLocalRedis } from '../../testing/redis-server.ts';
import { startControlPlane, stopControlPlane } from '../control-plane.d/control-plane.ts';
import { kubectl } from '../control-plane.d/kubectl.ts';
import { startDemoController } from '../demo/controller.ts';

const NAMESPACE = 'kong-fleet';
/** Gateway listener port → the Kong pod's port (deploy/kong-proxy.yaml's proxy Service does the same). */
const LISTENER_PORTS: ReadonlyArray<readonly [number, number]> = [
  [80, 8000],
  [8080, 8000],
  [443, 8443],
];

const argv = process.argv.slice(2);
const keep = argv[0] === '--keep';
const dash = argv.indexOf('--');
const command = dash < 0 ? [] : argv.slice(dash + 1);
if (command.length === 0) {
  console.error('usage: harness.ts [--keep] -- COMMAND…');
  process.exit(2);
}

const say = (line: string) => console.error(`harness: ${line}`);
const stops: Array<[string, () => Promise<unknown>]> = [];
const teardown = async () => {
  for (const [name, stop] of stops.reverse()) {
    await stop().catch((err: Error) => say(`stopping ${name} failed: ${err.message}`));
  }
};

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'kf-gw-conformance-'));
  stops.push(['work folder', () => (keep ? Promise.resolve() : rm(work, { recursive: true, force: true }))]);
  const runDir = join(work, 'control-plane');
  say(`state in ${work}`);
  stops.push(['control plane', () => stopControlPlane(runDir)]);
  const cp = await startControlPlane({ runDir, log: (line) => say(line) });
  if (!cp.podNetwork) throw new Error(`no pod network: ${cp.podNetworkUnavailable ?? 'unknown reason'}`);
  const network = cp.podNetwork;
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfig);
  say(`cluster ${cp.server}, pods in ${network.podCidr} (network namespace ${network.namespace})`);

  const redis = await startLocalRedis({ dir: join(work, 'redis') });
  stops.push(['Redis', () => redis.stop()]);

  // ROUTER_FLAVOR=expressions: the Kong pod's router (KONG_ROUTER_FLAVOR, inherited by pod-host) and the
  // translator's ExpressionRoutes flag, as KIC runs its own conformance suite.
  const expressions = process.env.ROUTER_FLAVOR === 'expressions';
  if (expressions) process.env.KONG_ROUTER_FLAVOR = 'expressions';
  else delete process.env.KONG_ROUTER_FLAVOR;
  say(`router flavor ${expressions ? 'expressions (ExpressionRoutes=true)' : 'traditional_compatible'}`);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
  const fleet = await startProxyFleet({
    kubeConfig: kc,
    namespace: NAMESPACE,
    replicas: 1,
    podNetwork: network,
    apply: (manifest) =>
      kubectl(['apply', '-f', '-'], { kubectl: cp.kubectl, kubeconfig: cp.kubeconfig, input: manifest }),
    pkiDir: join(work, 'pki'),
  });
  stops.push(['Kong pod', () => fleet.stop()]);
  const proxy = fleet.running()[0]!;
  say(`Kong pod ${proxy.id} at ${proxy.address}`);

  const gatewayAddress = network.podCidr.replace(/\.0\.0\/16$/, '.255.250');
  await addPodAddress(network, gatewayAddress);
  stops.push(['Gateway address', () => removePodAddress(network, gatewayAddress)]);
  const lb = await startPodHost(network.namespace);
  stops.push(['Gateway forwarders', () => lb.stop()]);
  for (const [port, target] of LISTENER_PORTS)
    await lb.startForward(`lb-${port}`, gatewayAddress, port, { host: proxy.address, port: target });
  say(`Gateway address ${gatewayAddress}: ${LISTENER_PORTS.map(([p, t]) => `${p}→${t}`).join(', ')}`);

  const echoes = await startEchoBasicPods({ kubeConfig: kc, podNetwork: network });
  stops.push(['echo-basic pods', () => echoes.stop()]);

  const controllerLog = join(work, 'controller.log');
  const controller = await startDemoController({
    logFile: controllerLog,
    settings: {
      KONG_FLEET_REDIS_URL: redis.url,
      KONG_FLEET_QUEUE_PREFIX: 'kong-fleet',
      KONG_FLEET_KUBECONFIG: cp.kubeconfig,
      KONG_FLEET_NAMESPACE: NAMESPACE,
      KONG_FLEET_ADMIN_SERVICE: `${NAMESPACE}/${fleet.serviceName}`,
      KONG_FLEET_ADMIN_TLS_CERT: fleet.clientFiles.cert,
      KONG_FLEET_ADMIN_TLS_KEY: fleet.clientFiles.key,
      KONG_FLEET_ADMIN_TLS_CA: fleet.clientFiles.ca,
      KONG_FLEET_PUBLISH_ADDRESSES: gatewayAddress,
      ...(expressions ? { KONG_FLEET_FEATURE_GATES: 'ExpressionRoutes=true' } : {}),
      KONG_FLEET_HTTP_HOST: '127.0.0.1',
      KONG_FLEET_HTTP_PORT: '0',
      KONG_FLEET_SHUTDOWN_TIMEOUT: '5s',
      KONG_FLEET_LOG_LEVEL: 'info',
    },
  });
  stops.push(['controller', () => controller.stop()]);
  say(`controller pid ${controller.pid}, log ${controllerLog}`);
  await waitFor(async () => (await proxy.state()).configPushes > 0, {
    timeoutMs: 60_000,
    intervalMs: 200,
    description: 'the first configuration push to the Kong pod',
  });

  const logs = join(work, 'suite-logs');
  await mkdir(logs, { recursive: true });
  say(`running: ${command.join(' ')}`);
  const child = spawn(command[0]!, command.slice(1), {
    stdio: 'inherit',
    env: {
      ...process.env,
      KUBECONFIG: cp.kubeconfig,
      GATEWAY_ADDRESS: gatewayAddress,
      CONTROLLER_LOG: controllerLog,
      PATH: cp.builtKubectlDir ? `${cp.builtKubectlDir}:${process.env.PATH}` : process.env.PATH,
    },
  });
  const stopChild = () => child.kill('SIGTERM');
  process.once('SIGINT', stopChild).once('SIGTERM', stopChild);
  return new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
}

let status = 1;
try {
  status = await main();
} catch (err) {
  say(`failed: ${(err as Error).stack ?? err}`);
} finally {
  await teardown();
}
process.exit(status);
