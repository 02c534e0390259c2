/**
 * Whether the control plane puts pod IPs in a network namespace (proxies are pods) or the harness falls
 * back to static simulated proxies (today's behaviour where `ip netns` is unavailable: not root). One
 * decision, made once per control plane, so the demo, the test setup and `scripts/control-plane up` agree
 * and say it in the same words.
 */
import type { PodNetwork } from './pod-network.ts';

/** `auto` (the default): a pod network where this machine allows one; `off`: never; `on`: or fail. */
export const POD_NETWORK_SETTING = 'KONG_FLEET_POD_NETWORK';
const VALUES = ['auto', 'on', 'off'] as const;
export type PodNetworkSetting = (typeof VALUES)[number];

export type PodNetworkOutcome = PodNetwork | { unavailable: string };

/** Reads {@link POD_NETWORK_SETTING}; anything but auto/on/off (or unset) is an error naming it. */
export function podNetworkSetting(env: NodeJS.ProcessEnv = process.env): PodNetworkSetting {
  const raw = env[POD_NETWORK_SETTING]?.trim().toLowerCase() || 'auto';
  if ((VALUES as readonly string[]).includes(raw)) return raw as PodNetworkSetting;
  throw new Error(
    `${POD_NETWORK_SETTING}="${env[POD_NETWORK_SETTING]}" is not one of ${VALUES.join(', ')} (unset means auto)`,
  );
}

/**
 * The pod network the setting asks for. `probe` tries to create one (testing/pods/pod-network.ts
 * `createPodNetwork`); it is not called when the setting is off. With `on`, a machine that cannot is an
 * error instead of a fallback.
 */
export async function choosePodNetwork(
  setting: PodNetworkSetting,
  probe: () => Promise<PodNetworkOutcome>,
): Promise<PodNetworkOutcome> {
  if (setting === 'off') return { unavailable: `${POD_NETWORK_SETTING}=off` };
  const outcome = await probe();
  if (setting === 'on' && 'unavailable' in outcome)
    throw new Error(`${POD_NETWORK_SETTING}=on, but no pod network can be made here: ${outcome.unavailable}`);
  return outcome;
}

/** The one line said at start about which fleet runs. */
export function fleetModeLine(outcome: PodNetworkOutcome): string {
  return 'unavailable' in outcome
    ? `proxies are static simulated proxies on this machine's address with hand-written EndpointSlices (no pod network: ${outcome.unavailable})`
    : `proxies are pods: simulated Kong at each pod IP of ${outcome.podCidr} in network namespace ${outcome.namespace}`;
}
