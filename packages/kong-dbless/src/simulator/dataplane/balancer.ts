/**
 * Target selection for a service whose host names an upstream: weighted round-robin over the upstream's
 * targets, weight 0 excluded. Smooth weighted round-robin (nginx's) gives every target exactly its share of
 * each cycle of `sum(weights)` picks, as Kong's balancer wheel does over its slots.
 */
import type { KongEntity } from '../../validate/index.ts';

export interface Peer {
  host: string;
  port: number;
  /** The target string as configured (the `target` label of the health metric). */
  target: string;
}

/** `host:port`, `[v6]:port` or a bare host (Kong's default target port is 8000). */
export function parseTarget(target: string): Peer {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 8000, target };
  const colon = target.lastIndexOf(':');
  if (colon > 0 && target.indexOf(':') === colon)
    return { host: target.slice(0, colon), port: Number(target.slice(colon + 1)), target };
  return { host: target, port: 8000, target };
}

export class WeightedRoundRobin {
  private readonly peers: Array<Peer & { weight: number; current: number }>;

  constructor(targets: KongEntity[]) {
    this.peers = targets
      .map((t) => ({ ...parseTarget(String(t.target)), weight: Number(t.weight ?? 100), current: 0 }))
      .filter((p) => p.weight > 0);
  }

  /** The next peer, or undefined when no target has a weight (Kong: "failure to get a peer"). */
  next(): Peer | undefined {
    if (this.peers.length === 0) return undefined;
    const total = this.peers.reduce((sum, p) => sum + p.weight, 0);
    let best = this.peers[0]!;
    for (const peer of this.peers) {
      peer.current += peer.weight;
      if (peer.current > best.current) best = peer;
    }
    best.current -= total;
    return { host: best.host, port: best.port, target: best.target };
  }
}
