import type { JobsOptions } from 'bullmq';
import type { AnyJobDefinition, JobRetention } from './define-job.ts';

/** The name under which workers register the custom backoff of queue/worker.ts. */
export const BACKOFF_TYPE = 'kong-fleet';

/** BullMQ has no "retry forever"; this is forever in practice (> 285 million years at 1 min). */
export const UNLIMITED_ATTEMPTS = Number.MAX_SAFE_INTEGER;

export const defaultRetention: Required<JobRetention> = Object.freeze({
  completed: { count: 200, ageSeconds: 3600 },
  failed: { count: 1000, ageSeconds: 7 * 86_400 },
});

/** Options every job of a definition gets, whether added by a producer or by a scheduler. */
export function baseJobOptions(definition: AnyJobDefinition): JobsOptions {
  const retention = { ...defaultRetention, ...definition.retention };
  const attempts = definition.attempts ?? 5;
  return {
    attempts: attempts === 'unlimited' ? UNLIMITED_ATTEMPTS : attempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { count: retention.completed.count, age: retention.completed.ageSeconds },
    removeOnFail: { count: retention.failed.count, age: retention.failed.ageSeconds },
  };
}
