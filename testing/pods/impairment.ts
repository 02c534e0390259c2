/**
 * A {@link ProxyImpairment} applied to a simulated proxy: used by pod-host.ts for proxy pods and by
 * testing/proxy-fleet.ts for the static list, so both fleets take the same faults.
 */
import type { SimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import type { ProxyImpairment } from './pod-host-protocol.ts';

/** Applies each field of `impairment` through the simulator's own fault API. */
export function impair(proxy: Pick<SimulatedProxy, 'faults'>, impairment: ProxyImpairment): void {
  const { latencyMs, failNext, dropNext, version } = impairment;
  if (latencyMs !== undefined) proxy.faults.setLatency(latencyMs);
  if (failNext !== undefined) proxy.faults.failNext(failNext.count, failNext.status);
  if (dropNext !== undefined) proxy.faults.dropNext(dropNext);
  if (version !== undefined) proxy.faults.setVersion(version);
}
