import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort } from '../../testing/free-port.ts';
import { createPodNetwork, removePodNetwork } from '../../testing/pods/pod-network.ts';
import { choosePodNetwork, fleetModeLine, podNetworkSetting } from '../../testing/pods/pod-network-mode.ts';
import { KUBERNETES_SERVICE_IP, startApiserver } from './apiserver.ts';
import { ensureBinaries } from './binaries.ts';
import { createKwokNodes, startControllerManager, startKwok, startScheduler } from './cluster-components.ts';
import { type GatewayApiChannel, installCrds } from './crds.ts';
import { startEtcd } from './etcd.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { defaultCacheRoot, defaultRunDir } from './locations.ts';
import { createPki, type PkiFiles, pkiFilesIn } from './pki.ts';
import { stopProcess } from './processes.ts';
import { StartupError } from './startup-error.ts';
import {
  type ControlPlaneState,
  liveness,
  processesInStopOrder,
  RUN_DIR_MARKER,
  readState,
  writeState,
} from './state.ts';

export interface StartControlPlaneOptions {
  /** State folder (pids, ports, PKI, etcd data, kubeconfig, logs). @defaultValue defaultRunDir() */
  runDir?: string;
  /** Binary and CRD cache. @defaultValue defaultCacheRoot() */
  cacheRoot?: string;
  /** Install kong-fleet's, Kong's and Gateway API's CRDs. @defaultValue true */
  installCrds?: boolean;
  /** @defaultValue 'experimental' (a superset of standard: TCPRoute, UDPRoute, TLSRoute and every standard kind) */
  gatewayApiChannel?: GatewayApiChannel;
  /**
   * Also run kube-controller-manager, kube-scheduler and KWOK with `nodes` fake nodes, and put the pod
   * CIDR in a network namespace: a cluster without kubelets. @defaultValue true
   */
  cluster?: boolean;
  /** KWOK nodes. @defaultValue 3 */
  nodes?: number;
  /** Progress lines. @defaultValue no output */
  log?: (line: string) => void;
}

/** Used for pod IPs when no network namespace can be made (no root): loopback fallback, never routed. */
const FALLBACK_POD_CIDR = '10.244.0.0/16';

const PORT_ATTEMPTS = 3;

/**
 * Starts etcd and kube-apiserver on free loopback ports (building them first if the cache lacks them),
 * writes an admin kubeconfig and installs the CRDs. Idempotent: when `runDir` already holds a running
 * control plane, that one is returned untouched; a dead one left behind is cleaned up first.
 */
export async function startControlPlane(options: StartControlPlaneOptions = {}): Promise<ControlPlaneState> {
  const { runDir = defaultRunDir(), cacheRoot = defaultCacheRoot(), log = () => {} } = options;
  const existing = await readState(runDir);
  if (existing) {
    const alive = liveness(existing);
    if (alive.etcd && alive.apiserver) return existing;
    log(`control-plane: cleaning up a dead control plane in ${runDir}`);
    await stopControlPlane(runDir);
  }

  const binaries = await ensureBinaries(cacheRoot);
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(runDir, RUN_DIR_MARKER),
    'created by scripts/control-plane; `down` deletes this folder\n',
  );
  const logDir = join(runDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const pkiDir = join(runDir, 'pki');
  const pki = await createPki(pkiDir, { kubernetesServiceIp: KUBERNETES_SERVICE_IP });
  const etcdDataDir = join(runDir, 'etcd-data');

  // A free port can be taken by someone else between the probe and the bind: retry with fresh ports.
  for (let attempt = 1; ; attempt++) {
    const ports = await distinctFreePorts();
    let etcdPid: number | undefined;
    try {
      await rm(etcdDataDir, { recursive: true, force: true });
      etcdPid = await startEtcd({
        binary: binaries.etcd,
        dataDir: etcdDataDir,
        clientPort: ports.etcdClient,
        peerPort: ports.etcdPeer,
        logFile: join(logDir, 'etcd.log'),
      });
      log(`control-plane: etcd ${binaries.etcdVersion} healthy on 127.0.0.1:${ports.etcdClient}`);
      const apiserverPid = await startApiserver({
        binary: binaries.kubeApiserver,
        etcdClientPort: ports.etcdClient,
        securePort: ports.apiserver,
        pki,
        logFile: join(logDir, 'kube-apiserver.log'),
      });
      const server = `https://127.0.0.1:${ports.apiserver}`;
      const kubeconfig = join(runDir, 'admin.kubeconfig');
      const [caPem, clientCertificatePem, clientKeyPem] = await Promise.all(
        [pki.caCert, pki.adminCert, pki.adminKey].map((file) => readFile(file, 'utf8')),
      );
      await writeFile(
        kubeconfig,
        renderKubeconfig({
          server,
          caPem: caPem!,
          user: { clientCertificatePem: clientCertificatePem!, clientKeyPem: clientKeyPem! },
        }),
        { mode: 0o600 },
      );
      let state: ControlPlaneState = {
        runDir,
        server,
        kubeconfig,
        kubectl: binaries.kubectl,
        ...(binaries.kubectl.startsWith(cacheRoot) ? { builtKubectlDir: dirname(binaries.kubectl) } : {}),
        binaries,
        ports,
        pids: { etcd: etcdPid, apiserver: apiserverPid },
        pkiDir,
        etcdDataDir,
        logDir,
        startedAt: new Date().toISOString(),
      };
      await writeState(state);
      log(`control-plane: kube-apiserver ${binaries.k8sVersion} ready on ${server}`);
      if (options.cluster !== false) state = await startCluster(state, pki, options.nodes ?? 3, log);
      if (options.installCrds === false) return state;
      const gatewayApiChannel = options.gatewayApiChannel ?? 'experimental';
      const files = await installCrds({
        kubectl: binaries.kubectl,
        kubeconfig,
        cacheRoot,
        gatewayApiChannel,
      });
      const withCrds = { ...state, crds: { gatewayApiChannel, files: files.length } };
      await writeState(withCrds);
      log(
        `control-plane: ${files.length} CRD manifests applied and Established (Gateway API ${gatewayApiChannel})`,
      );
      return withCrds;
    } catch (err) {
      if (err instanceof StartupError && err.portInUse && attempt < PORT_ATTEMPTS) {
        if (etcdPid !== undefined) await stopProcess(etcdPid, binaries.etcd);
        log(
          `control-plane: a port was taken meanwhile; retrying with fresh ports (${err.message.split('\n')[0]})`,
        );
        continue;
      }
      // Leave no process behind; the logs stay in runDir for the post-mortem until `down`.
      if ((await readState(runDir)) !== undefined) await stopProcesses(runDir);
      else if (etcdPid !== undefined) await stopProcess(etcdPid, binaries.etcd);
      throw err;
    }
  }
}

async function distinctFreePorts(): Promise<ControlPlaneState['ports']> {
  const [etcdClient, etcdPeer, apiserver] = (await distinctPorts(3)) as [number, number, number];
  return { etcdClient, etcdPeer, apiserver };
}

/**
 * The pod network first (its CIDR goes into the controller-manager's flags), then the controller-manager,
 * the scheduler, KWOK and its nodes. Every pid and the network are recorded as soon as they exist, so a
 * failure half-way leaves nothing that `down` would not find.
 */
async function startCluster(
  base: ControlPlaneState,
  pki: PkiFiles,
  nodes: number,
  log: (line: string) => void,
): Promise<ControlPlaneState> {
  const started = performance.now();
  let state = base;
  const record = async (next: ControlPlaneState) => {
    state = next;
    await writeState(state);
  };
  const network = await choosePodNetwork(podNetworkSetting(), createPodNetwork);
  log(`control-plane: ${fleetModeLine(network)}`);
  if ('unavailable' in network) {
    // Pods still get IPs (from a CIDR nothing serves): the fallback fleet does not use them.
    await record({ ...state, podCidr: FALLBACK_POD_CIDR, podNetworkUnavailable: network.unavailable });
  } else {
    await record({ ...state, podCidr: network.podCidr, podNetwork: network });
  }
  const podCidr = state.podCidr!;
  const { binaries, logDir, runDir, server } = state;
  const caPem = await readFile(pki.caCert, 'utf8');
  const identityKubeconfig = async (name: string, certFile: string, keyFile: string) => {
    const file = join(runDir, `${name}.kubeconfig`);
    const [clientCertificatePem, clientKeyPem] = await Promise.all([
      readFile(certFile, 'utf8'),
      readFile(keyFile, 'utf8'),
    ]);
    await writeFile(
      file,
      renderKubeconfig({ server, caPem, user: { clientCertificatePem, clientKeyPem }, userName: name }),
      { mode: 0o600 },
    );
    return file;
  };
  const [controllerManagerPort, schedulerPort] = await distinctPorts(2);
  const controllerManager = await startControllerManager({
    binary: binaries.kubeControllerManager,
    kubeconfig: await identityKubeconfig(
      'controller-manager',
      pki.controllerManagerCert,
      pki.controllerManagerKey,
    ),
    securePort: controllerManagerPort!,
    logFile: join(logDir, 'kube-controller-manager.log'),
    pki,
    podCidr,
  });
  await record({
    ...state,
    ports: { ...state.ports, controllerManager: controllerManagerPort! },
    pids: { ...state.pids, controllerManager },
  });
  const scheduler = await startScheduler({
    binary: binaries.kubeScheduler,
    kubeconfig: await identityKubeconfig('scheduler', pki.schedulerCert, pki.schedulerKey),
    securePort: schedulerPort!,
    logFile: join(logDir, 'kube-scheduler.log'),
  });
  await record({
    ...state,
    ports: { ...state.ports, scheduler: schedulerPort! },
    pids: { ...state.pids, scheduler },
  });
  const kwok = startKwok({
    binary: binaries.kwok,
    kubeconfig: state.kubeconfig,
    nodeIp: state.podNetwork?.hostAddress ?? '127.0.0.1',
    podCidr,
    logFile: join(logDir, 'kwok.log'),
  });
  await record({ ...state, pids: { ...state.pids, kwok } });
  const names = await createKwokNodes({
    kubectl: binaries.kubectl,
    kubeconfig: state.kubeconfig,
    count: nodes,
  });
  await record({ ...state, nodes: names });
  log(
    `control-plane: kube-controller-manager, kube-scheduler and KWOK ${binaries.kwokVersion} running, ${nodes} nodes Ready (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  return state;
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Stops every process (the reverse of the start order), then removes the pod network. */
async function stopProcesses(runDir: string): Promise<boolean> {
  const state = await readState(runDir);
  if (!state) return false;
  const alive = liveness(state);
  for (const { pid, binary } of processesInStopOrder(state)) await stopProcess(pid, binary);
  if (state.podNetwork) await removePodNetwork(state.podNetwork);
  return alive.etcd || alive.apiserver;
}

/**
 * Stops both processes and deletes `runDir` (etcd data, PKI, kubeconfig, logs). Refuses to delete a folder
 * this tool did not create. Resolves to whether anything was running.
 */
export async function stopControlPlane(runDir: string = defaultRunDir()): Promise<boolean> {
  const wasRunning = await stopProcesses(runDir);
  const ours = await access(join(runDir, RUN_DIR_MARKER)).then(
    () => true,
    () => false,
  );
  if (ours) await rm(runDir, { recursive: true, force: true });
  return wasRunning;
}

/**
 * Stops kube-apiserver, runs `whileDown`, and starts it again on the same port with the same etcd — the
 * way a real apiserver rollout looks to clients: watches break, and the new apiserver's watch cache starts
 * at etcd's current revision, so a watch resumed from an older resourceVersion gets 410 Gone.
 */
export async function restartApiserver(
  state: ControlPlaneState,
  whileDown: () => Promise<void> = async () => {},
): Promise<ControlPlaneState> {
  await stopProcess(state.pids.apiserver, state.binaries.kubeApiserver);
  await whileDown();
  const apiserver = await startApiserver({
    binary: state.binaries.kubeApiserver,
    etcdClientPort: state.ports.etcdClient,
    securePort: state.ports.apiserver,
    pki: pkiFilesIn(state.pkiDir),
    logFile: join(state.logDir, 'kube-apiserver.log'),
  });
  const next = { ...state, pids: { ...state.pids, apiserver } };
  await writeState(next);
  return next;
}
