/**
 * Names of every Redis key the controller owns outside BullMQ's queues, under one prefix so several
 * fleets can share a Redis. BullMQ itself uses `<prefix>:<queue>:…`.
 */
export function redisKey(prefix: string, ...parts: readonly string[]): string {
  return [prefix, ...parts].join(':');
}

/**
 * The prefix to use on a Redis Cluster: a hash tag (`{kong-fleet}`), unless the prefix already holds one.
 * Redis Cluster hashes only the text between the first `{` and `}`, so every key of the fleet — BullMQ's
 * `<prefix>:<queue>:…` and the stores' — lands in one slot. That is what BullMQ requires (its Lua scripts
 * touch several keys of a queue, and some name keys they were not given) and what the stores' scripts need
 * (a build, its proxies' claims and the convergence sets are written in one script).
 *
 * One slot means one primary carries all of the fleet's keys: the Cluster does not spread one fleet's load.
 * It is still the way out for a fleet that outgrows one Redis: several fleets (prefixes) spread over the
 * primaries, replicas fail over per shard, and a slot migration moves a fleet to a larger primary without
 * downtime. Splitting per-proxy keys across slots would need the multi-key scripts split first; not done.
 */
export function clusterPrefix(prefix: string): string {
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}
