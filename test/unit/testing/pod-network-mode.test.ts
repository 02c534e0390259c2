import { describe, expect, it } from 'vitest';
import type { PodNetwork } from '../../../testing/pods/pod-network.ts';
import {
  choosePodNetwork,
  fleetModeLine,
  type PodNetworkOutcome,
  podNetworkSetting,
} from '../../../testing/pods/pod-network-mode.ts';

const network: PodNetwork = {
  namespace: 'kf-pods-abc123',
  podCidr: '10.246.0.0/16',
  hostInterface: 'kfhabc123',
  podInterface: 'kfpabc123',
  hostAddress: '10.246.255.254',
};
const notRoot = { unavailable: 'ip netns add failed (Operation not permitted)' };

/** A capability probe that records whether it was asked. */
function probe(outcome: PodNetworkOutcome) {
  const calls: number[] = [];
  const run = async () => {
    calls.push(1);
    return outcome;
  };
  return { calls, run };
}

describe('the pod network or the static fallback', () => {
  it('reads KONG_FLEET_POD_NETWORK: unset or empty is auto, case and spaces aside; anything else is refused', () => {
    expect(podNetworkSetting({})).toBe('auto');
    expect(podNetworkSetting({ KONG_FLEET_POD_NETWORK: '' })).toBe('auto');
    expect(podNetworkSetting({ KONG_FLEET_POD_NETWORK: ' OFF ' })).toBe('off');
    expect(podNetworkSetting({ KONG_FLEET_POD_NETWORK: 'on' })).toBe('on');
    expect(() => podNetworkSetting({ KONG_FLEET_POD_NETWORK: 'no' })).toThrow(
      'KONG_FLEET_POD_NETWORK="no" is not one of auto, on, off',
    );
  });

  it('uses the pod network where the probe makes one, and falls back with its reason where it cannot', async () => {
    expect(await choosePodNetwork('auto', probe(network).run)).toBe(network);
    expect(await choosePodNetwork('auto', probe(notRoot).run)).toEqual(notRoot);
  });

  it('never probes when forced off, and fails instead of falling back when forced on', async () => {
    const off = probe(network);
    expect(await choosePodNetwork('off', off.run)).toEqual({ unavailable: 'KONG_FLEET_POD_NETWORK=off' });
    expect(off.calls).toEqual([]);
    expect(await choosePodNetwork('on', probe(network).run)).toBe(network);
    await expect(choosePodNetwork('on', probe(notRoot).run)).rejects.toThrow(
      'KONG_FLEET_POD_NETWORK=on, but no pod network can be made here: ip netns add failed (Operation not permitted)',
    );
  });

  it('says in one line which fleet runs, and why when it is the fallback', () => {
    expect(fleetModeLine(network)).toBe(
      'proxies are pods: simulated Kong at each pod IP of 10.246.0.0/16 in network namespace kf-pods-abc123',
    );
    const fallback = fleetModeLine(notRoot);
    expect(fallback).toMatch(/^proxies are static simulated proxies .* hand-written EndpointSlices/);
    expect(fallback).toContain('(no pod network: ip netns add failed (Operation not permitted))');
    expect(fallback).not.toContain('\n');
  });
});
