import { Queue } from 'bullmq';
import type { RedisConnection as Redis } from '../queue/connection.ts';

export interface StuckJob {
  readonly queue: string;
  readonly id: string;
  readonly state: 'active' | 'waiting' | 'delayed';
  /** How long it has been in that state past what it should. */
  readonly overdueMs: number;
}

/**
 * Jobs that should have moved on by now: active for longer than `olderThanMs` (a worker died holding
 * them and no stall check took them back), waiting for longer than that (nobody consumes the queue), or
 * delayed past their due time by that much. A healthy, idle controller has none.
 */
export async function stuckJobs(
  connection: Redis,
  prefix: string,
  queues: readonly string[],
  olderThanMs: number,
  now = Date.now(),
): Promise<StuckJob[]> {
  const stuck: StuckJob[] = [];
  for (const name of queues) {
    const queue = new Queue(name, { connection, prefix });
    try {
      for (const job of await queue.getJobs(['active'], 0, -1)) {
        const since = job.processedOn ?? job.timestamp;
        if (now - since > olderThanMs)
          stuck.push({ queue: name, id: job.id ?? '?', state: 'active', overdueMs: now - since });
      }
      for (const job of await queue.getJobs(['waiting', 'prioritized'], 0, -1)) {
        if (now - job.timestamp > olderThanMs)
          stuck.push({ queue: name, id: job.id ?? '?', state: 'waiting', overdueMs: now - job.timestamp });
      }
      for (const job of await queue.getJobs(['delayed'], 0, -1)) {
        const due = job.timestamp + (job.delay ?? 0);
        if (now - due > olderThanMs)
          stuck.push({ queue: name, id: job.id ?? '?', state: 'delayed', overdueMs: now - due });
      }
    } finally {
      await queue.close();
    }
  }
  return stuck;
}
