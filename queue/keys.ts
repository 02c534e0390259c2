/**
 * Names of every Redis key the controller owns outside BullMQ's queues, under one prefix so several
 * fleets can share a Redis. BullMQ itself uses `<prefix>:<queue>:…`.
 */
export function redisKey(prefix: string, ...parts: readonly string[]): string {
  return [prefix, ...parts].join(':');
}
