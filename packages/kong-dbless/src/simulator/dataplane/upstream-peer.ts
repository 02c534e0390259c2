/**
 * Where a matched request goes: a service whose host names an upstream → the upstream's balancer (one per
 * upstream per loaded config), otherwise the service's host:port; and the `Host` header Kong sends there.
 */
import type { KongEntity } from '../../validate/index.ts';
import { type Peer, WeightedRoundRobin } from './balancer.ts';
import type { CompiledConfig } from './compiled-config.ts';

export interface PeerSource {
  upstream?: KongEntity;
  /** The next peer to try; undefined when the upstream has no target with a weight. */
  next(): Peer | undefined;
}

const balancers = new WeakMap<CompiledConfig, Map<string, WeightedRoundRobin>>();

export function peerSource(config: CompiledConfig, service: KongEntity): PeerSource {
  const host = String(service.host);
  const upstream = config.upstreamsByName.get(host);
  if (!upstream) {
    const protocol = service.protocol === 'https' ? 'https' : 'http';
    const port = Number(service.port ?? (protocol === 'https' ? 443 : 80));
    return { next: () => ({ host, port, target: `${host}:${port}` }) };
  }
  let byUpstream = balancers.get(config);
  if (!byUpstream) {
    byUpstream = new Map();
    balancers.set(config, byUpstream);
  }
  const id = String(upstream.id);
  let balancer = byUpstream.get(id);
  if (!balancer) {
    balancer = new WeightedRoundRobin(config.targetsByUpstream.get(id) ?? []);
    byUpstream.set(id, balancer);
  }
  const chosen = balancer;
  return { upstream, next: () => chosen.next() };
}

/** The `Host` sent upstream: the client's with `preserve_host`, else upstream `host_header`, else the peer's (with a non-default port). */
export function upstreamHost(options: {
  preserveHost: boolean;
  clientHost: string | undefined;
  upstream?: KongEntity;
  peer: Peer;
  protocol: 'http' | 'https';
}): string {
  if (options.preserveHost && options.clientHost) return options.clientHost;
  const fixed = options.upstream?.host_header;
  const name = typeof fixed === 'string' && fixed !== '' ? fixed : options.peer.host;
  const defaultPort = options.protocol === 'https' ? 443 : 80;
  const host = name.includes(':') ? `[${name}]` : name;
  return options.peer.port === defaultPort ? host : `${host}:${options.peer.port}`;
}
