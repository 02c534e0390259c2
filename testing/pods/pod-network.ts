import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Where the cluster's pod IPs live: a network namespace this control plane creates, joined to the host by
 * a veth pair, with the pod CIDR routed into it. The host (tests, the controller) reaches every pod IP;
 * the namespace has no default route, so nothing inside it reaches anything but the host's veth end.
 */
export interface PodNetwork {
  /** `ip netns` name. */
  namespace: string;
  /** e.g. 10.244.0.0/16: kube-controller-manager's --cluster-cidr, one /24 per KWOK node. */
  podCidr: string;
  /** The host end of the veth pair (the pod CIDR's route goes through it). */
  hostInterface: string;
  /** The namespace end: pod IPs are added to it as /32s. */
  podInterface: string;
  /** The host end's address (the last of the pod CIDR, never handed to a pod by node IPAM's /24s). */
  hostAddress: string;
}

/** Candidate second octets for 10.X.0.0/16, tried in order; each run takes the first one nobody uses. */
const CANDIDATE_OCTETS = [244, 245, 246, 247, 248, 249, 250, 251, 252, 253];

/** The namespace end's own address, next to the host end's; node IPAM's /24s never reach it. */
const anchorAddress = (podCidr: string) => podCidr.replace(/\.0\.0\/16$/, '.255.253');

const ip = async (...args: string[]) => (await run('ip', args)).stdout;

const toNumber = (address: string) => address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);

/**
 * Whether 10.`octet`.0.0/16 overlaps any IPv4 prefix in `ip route`/`ip addr` output (the default route
 * aside: it overlaps everything and routes nothing of ours once a more specific route exists).
 */
export function overlapsMachineNetworks(octet: number, ipOutput: string): boolean {
  const start = toNumber(`10.${octet}.0.0`);
  const end = start + 2 ** 16 - 1;
  for (const [, address, bits] of ipOutput.matchAll(/(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?/g)) {
    const length = bits === undefined ? 32 : Number(bits);
    if (length === 0) continue;
    const size = 2 ** (32 - length);
    const first = Math.floor(toNumber(address!) / size) * size;
    if (first <= end && first + size - 1 >= start) return true;
  }
  return false;
}

/**
 * Creates the pod network, or resolves to undefined with the reason when this machine cannot (not root,
 * no `ip netns`): callers then fall back to loopback and say so. The CIDR is the first 10.X.0.0/16 that
 * neither a route nor an address of this machine touches; parallel runs race on `ip route add`, which
 * fails for the loser, who tries the next one.
 */
export async function createPodNetwork(): Promise<PodNetwork | { unavailable: string }> {
  const id = randomBytes(3).toString('hex');
  const namespace = `kf-pods-${id}`;
  const hostInterface = `kfh${id}`;
  const podInterface = `kfp${id}`;
  try {
    await ip('netns', 'add', namespace);
  } catch (err) {
    return { unavailable: `ip netns add failed (${(err as { stderr?: string }).stderr?.trim() || err})` };
  }
  try {
    await ip('link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', podInterface, 'netns', namespace);
    await ip('-n', namespace, 'link', 'set', 'lo', 'up');
    await ip('-n', namespace, 'link', 'set', podInterface, 'up');
    await ip('link', 'set', hostInterface, 'up');
    for (const octet of CANDIDATE_OCTETS) {
      const taken = (await ip('-4', 'route', 'show', 'table', 'all')) + (await ip('-4', '-o', 'addr'));
      if (overlapsMachineNetworks(octet, taken)) continue;
      const podCidr = `10.${octet}.0.0/16`;
      const hostAddress = `10.${octet}.255.254`;
      // The route's source address must exist first; the route itself is what two runs race on.
      await ip('addr', 'add', `${hostAddress}/32`, 'dev', hostInterface);
      try {
        await ip('route', 'add', podCidr, 'dev', hostInterface, 'src', hostAddress);
      } catch {
        await ip('addr', 'del', `${hostAddress}/32`, 'dev', hostInterface);
        continue; // another run took it between the check and the add
      }
      // The kernel flushes a device's routes when its last IPv4 address goes: this anchor address keeps
      // the route back to the host alive while no pod has an address (between two tests, say).
      await ip('-n', namespace, 'addr', 'add', `${anchorAddress(podCidr)}/32`, 'dev', podInterface);
      await ip('-n', namespace, 'route', 'add', `${hostAddress}/32`, 'dev', podInterface);
      return { namespace, podCidr, hostInterface, podInterface, hostAddress };
    }
    throw new Error(
      `control-plane: every candidate pod CIDR 10.{${CANDIDATE_OCTETS.join(',')}}.0.0/16 is in use`,
    );
  } catch (err) {
    await removePodNetwork({ namespace, hostInterface });
    throw err;
  }
}

/** Deletes the namespace (which takes the veth pair and with it the route). Idempotent. */
export async function removePodNetwork(
  network: Pick<PodNetwork, 'namespace' | 'hostInterface'>,
): Promise<void> {
  await ip('link', 'del', network.hostInterface).catch(() => {});
  await ip('netns', 'del', network.namespace).catch(() => {});
}

/** Gives the namespace side an address, so a process inside the namespace can bind it. */
export async function addPodAddress(network: PodNetwork, address: string): Promise<void> {
  await ip('-n', network.namespace, 'addr', 'replace', `${address}/32`, 'dev', network.podInterface);
}

export async function removePodAddress(network: PodNetwork, address: string): Promise<void> {
  await ip('-n', network.namespace, 'addr', 'del', `${address}/32`, 'dev', network.podInterface).catch(
    () => {},
  );
}
