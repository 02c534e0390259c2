/**
 * What turns the bare apiserver into a cluster without kubelets: kube-controller-manager (Deployments →
 * ReplicaSets → Pods, EndpointSlices, ServiceAccounts, node IPAM, garbage collection, namespace
 * deletion), kube-scheduler (places Pods on nodes, honouring affinity and PDBs on eviction) and KWOK
 * (plays the kubelet of every fake node: Nodes stay Ready, Pods get an IP from their node's podCIDR and
 * become Ready, per their readiness gates).
 */
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../lib/wait-for.ts';
import { SERVICE_CIDR } from './apiserver.ts';
import { probe } from './http-probe.ts';
import { kubectl } from './kubectl.ts';
import type { PkiFiles } from './pki.ts';
import { isOurProcess, startDetached } from './processes.ts';
import { rethrowStartupError, StartupError } from './startup-error.ts';

/** KWOK's default stages (the binary embeds none). */
const KWOK_STAGES = fileURLToPath(new URL('kwok-stages.yaml', import.meta.url));

/** The annotation KWOK is told to manage nodes by, so it never touches a node someone else made. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

interface ComponentOptions {
  binary: string;
  /** The component's own kubeconfig (its identity: the bootstrap RBAC role of its name applies). */
  kubeconfig: string;
  /** Loopback port of its /healthz (never the default 10257/10259, which another cluster may hold). */
  securePort: number;
  logFile: string;
  /** @defaultValue 60000 */
  readyTimeoutMs?: number;
}

/** Flags both kube components share: loopback only, delegated authn/authz via their own kubeconfig. */
function servingArgs({ kubeconfig, securePort }: ComponentOptions): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${securePort}`,
    // One instance per control plane: electing a leader would only delay the start by a lease period.
    '--leader-elect=false',
    '--profiling=false',
  ];
}

async function startServing(name: string, options: ComponentOptions, args: string[]): Promise<number> {
  const { binary, logFile, securePort, readyTimeoutMs = 60_000 } = options;
  const pid = startDetached({ command: binary, args, logFile });
  await waitFor(
    async () => {
      if (!isOurProcess(pid, binary)) throw new StartupError(name, logFile);
      // Its serving certificate is self-signed in memory: nothing secret travels on this probe.
      return (await probe(`https://127.0.0.1:${securePort}/healthz`, { rejectUnauthorized: false })) === 200;
    },
    { timeoutMs: readyTimeoutMs, intervalMs: 200, description: `${name} on 127.0.0.1:${securePort}` },
  ).catch(rethrowStartupError);
  return pid;
}

export interface ControllerManagerOptions extends ComponentOptions {
  pki: PkiFiles;
  /** --cluster-cidr: node IPAM gives each node a /24 of it, and KWOK hands out pod IPs from that. */
  podCidr: string;
}

export function controllerManagerArgs(options: ControllerManagerOptions): string[] {
  const { pki, podCidr } = options;
  return [
    ...servingArgs(options),
    // Each controller runs as its own ServiceAccount (as in kubeadm clusters), with tokens signed by the
    // key the apiserver verifies them against.
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    '--allocate-node-cidrs=true',
    `--cluster-cidr=${podCidr}`,
    '--node-cidr-mask-size=24',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
  ];
}

/** Starts kube-controller-manager and waits for its /healthz. Returns the pid. */
export function startControllerManager(options: ControllerManagerOptions): Promise<number> {
  return startServing('kube-controller-manager', options, controllerManagerArgs(options));
}

/** Starts kube-scheduler and waits for its /healthz. Returns the pid. */
export function startScheduler(options: ComponentOptions): Promise<number> {
  return startServing('kube-scheduler', options, servingArgs(options));
}

export interface KwokOptions {
  binary: string;
  /** KWOK patches node and pod status: admin's kubeconfig. */
  kubeconfig: string;
  /** The address KWOK reports as every node's InternalIP (the host end of the pod network). */
  nodeIp: string;
  /** Pod IPs for a node without a podCIDR; node IPAM gives every node one, so this is a fallback. */
  podCidr: string;
  logFile: string;
}

/**
 * Starts KWOK with its default stages (node initialise, heartbeat with leases; pod ready, complete,
 * delete), pod-ready changed to honour readiness gates as a kubelet does: a pod with gates turns Ready
 * only while every gate's condition, set by its owner, is True (kwok-stages.yaml). It opens no listener
 * (no --server-address). Returns the pid; {@link createKwokNodes} waits for the effect.
 */
export function startKwok({ binary, kubeconfig, nodeIp, podCidr, logFile }: KwokOptions): number {
  const pid = startDetached({
    command: binary,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--config=${KWOK_STAGES}`,
      // Node heartbeats as Leases, as kubelets do: node lifecycle keeps the nodes untainted.
      '--node-lease-duration-seconds=40',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      `--cidr=${podCidr}`,
      `--node-ip=${nodeIp}`,
    ],
    logFile,
  });
  if (!isOurProcess(pid, binary)) throw new StartupError('kwok', logFile);
  return pid;
}

export interface KwokNodesOptions {
  kubectl: string;
  kubeconfig: string;
  count: number;
  /** @defaultValue 90000 */
  readyTimeoutMs?: number;
}

/** The node names {@link createKwokNodes} creates: `kwok-node-0` … */
export const kwokNodeName = (index: number) => `kwok-node-${index}`;

function nodeManifest(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { type: 'kwok', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' },
    },
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
    },
  });
}

/**
 * Creates `count` fake nodes and waits until each is Ready (KWOK manages it) and has a podCIDR (node
 * IPAM in kube-controller-manager runs): from then on Pods schedule, get IPs and become Ready.
 */
export async function createKwokNodes(options: KwokNodesOptions): Promise<string[]> {
  const { count, readyTimeoutMs = 90_000 } = options;
  const names = Array.from({ length: count }, (_, index) => kwokNodeName(index));
  const call = { kubectl: options.kubectl, kubeconfig: options.kubeconfig };
  await kubectl(['apply', '-f', '-'], {
    ...call,
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: names.map((n) => JSON.parse(nodeManifest(n))),
    }),
  });
  await waitFor(
    async () => {
      const nodes = JSON.parse(await kubectl(['get', 'nodes', '-l', 'type=kwok', '-o', 'json'], call)) as {
        items: {
          spec?: { podCIDR?: string };
          status?: { conditions?: { type: string; status: string }[] };
        }[];
      };
      const ready = nodes.items.filter(
        (node) =>
          node.spec?.podCIDR &&
          node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length >= count;
    },
    { timeoutMs: readyTimeoutMs, intervalMs: 250, description: `${count} KWOK nodes Ready with a podCIDR` },
  );
  return names;
}
