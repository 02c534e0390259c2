/**
 * A job type, declared once: its name (also its queue), the role that runs it, its payload schema,
 * how duplicates collapse, how it is retried, and its handler.
 *
 * Glossary
 * - payload: what the job carries. Keys, never snapshots: a push job names a proxy, not a config.
 *   Validated when the job is added and again when it runs; a bad payload fails at once, no retry.
 * - dedupKey: the level-triggered key. Jobs with the same key coalesce: at most one waiting and one
 *   running, and the latest payload wins (BullMQ `keepLastIfActive`), so an event that arrives while
 *   the job runs always causes exactly one more run.
 * - role: which `kong-fleet run --roles` starts a worker for this job.
 * - schedule: a cron pattern or interval installed as a BullMQ job scheduler by the leader.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { BackoffPolicy } from './backoff.ts';

export const roles = ['leader', 'build', 'push', 'drift'] as const;
export type Role = (typeof roles)[number];

export type JobSchedule =
  | { readonly every: number; readonly cron?: never; readonly tz?: never }
  | { readonly cron: string; readonly tz?: string; readonly every?: never };

export interface JobRetention {
  /** Finished jobs kept for inspection (Bull Board). @defaultValue { count: 200, ageSeconds: 3600 } */
  readonly completed?: { readonly count: number; readonly ageSeconds: number };
  /** @defaultValue { count: 1000, ageSeconds: 7 * 86400 } */
  readonly failed?: { readonly count: number; readonly ageSeconds: number };
}

export interface JobCoalescing<P> {
  /** Jobs with the same key collapse into one waiting + one running job; the latest payload wins. */
  readonly key: (payload: P) => string;
  /** Wait this long before running, so a burst collapses into one run. @defaultValue 0 */
  readonly delayMs?: number;
  /** Restart the wait on every duplicate (debounce) instead of running `delayMs` after the first. @defaultValue false */
  readonly extend?: boolean;
  /** With extend: once a window has this many adds, wait `delayMs` of the burst instead (bursts collapse more). */
  readonly burst?: { readonly afterAdds: number; readonly delayMs: number };
}

export interface JobContext<D> {
  readonly log: Logger;
  /** Fires on the job's timeout, on shutdown, or when the job is cancelled. Pass it to every I/O call. */
  readonly signal: AbortSignal;
  /** 1 for the first run. */
  readonly attempt: number;
  readonly jobId: string;
  readonly deps: D;
}

export interface JobDefinition<P, D> {
  /** kebab-case, unique; also the queue name. */
  readonly name: string;
  readonly role: Role;
  /** Input and output types must match: the payload survives a JSON round trip through Redis. */
  readonly payload: z.ZodType<P, P>;
  readonly coalesce?: JobCoalescing<P>;
  /** Runs including the first, or 'unlimited' (retries until it succeeds or fails permanently). @defaultValue 5 */
  readonly attempts?: number | 'unlimited';
  /** @defaultValue defaultBackoff (1 s doubling to 60 s, 20% jitter) */
  readonly backoff?: BackoffPolicy;
  /** Parallel runs per process. @defaultValue 1 */
  readonly concurrency?: number;
  /** The handler's signal fires after this long. @defaultValue 30000 */
  readonly timeoutMs?: number;
  /** How BullMQ tells a running job from one whose process died. @defaultValue defaultJobLock */
  readonly lock?: JobLock;
  readonly schedule?: JobSchedule;
  /** Payload of the jobs the schedule creates. Required when `schedule` is set. */
  readonly schedulePayload?: P;
  readonly retention?: JobRetention;
  readonly run: (payload: P, ctx: JobContext<D>) => Promise<unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds jobs of every payload type
export type AnyJobDefinition<D = any> = JobDefinition<any, D>;

const JOB_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Checks a definition once, at declaration, so a mistake fails at start-up and not at the first run. */
export function defineJob<P, D>(definition: JobDefinition<P, D>): JobDefinition<P, D> {
  if (!JOB_NAME.test(definition.name)) {
    throw new TypeError(`job name "${definition.name}" must be kebab-case (a-z, 0-9, -), 1-63 characters`);
  }
  const { attempts, concurrency, timeoutMs, schedule } = definition;
  if (attempts !== undefined && attempts !== 'unlimited' && (!Number.isInteger(attempts) || attempts < 1)) {
    throw new TypeError(`job "${definition.name}": attempts must be a positive integer or 'unlimited'`);
  }
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new TypeError(`job "${definition.name}": concurrency must be a positive integer`);
  }
  if (timeoutMs !== undefined && !(timeoutMs > 0)) {
    throw new TypeError(`job "${definition.name}": timeoutMs must be greater than 0`);
  }
  const { lock } = definition;
  if (lock && !(lock.durationMs > 0 && lock.stalledIntervalMs > 0 && lock.maxStalledCount >= 0)) {
    throw new TypeError(`job "${definition.name}": lock durations must be greater than 0`);
  }
  if (schedule) {
    if (definition.schedulePayload === undefined) {
      throw new TypeError(`job "${definition.name}": a schedule needs a schedulePayload`);
    }
    const check = definition.payload.safeParse(definition.schedulePayload);
    if (!check.success)
      throw new TypeError(`job "${definition.name}": schedulePayload does not match the payload schema`);
  }
  return Object.freeze({ ...definition });
}

/**
 * BullMQ's job lock: the running worker renews it every `durationMs / 2`; a job whose lock expired is
 * found by the stalled check (every `stalledIntervalMs`) and run again, up to `maxStalledCount` times. A
 * renewal delayed past `durationMs` (a starved event loop) makes a job run twice at once.
 */
export interface JobLock {
  readonly durationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
}

/**
 * A crashed process's running jobs are taken over within ~15 s instead of BullMQ's ~60 s default, so a
 * killed controller does not hold the coalesced build or a proxy's push for a minute.
 */
export const defaultJobLock: JobLock = Object.freeze({
  durationMs: 10_000,
  stalledIntervalMs: 5000,
  maxStalledCount: 3,
});

/** Deployment-time changes to a definition: a different schedule (null switches it off), backoff, concurrency or lock. */
export interface JobOverride {
  readonly schedule?: JobSchedule | null;
  readonly backoff?: BackoffPolicy;
  readonly concurrency?: number;
  readonly lock?: JobLock;
}

export function withOverride<D>(
  definition: AnyJobDefinition<D>,
  override: JobOverride | undefined,
): AnyJobDefinition<D> {
  if (!override) return definition;
  const { schedule, ...rest } = override;
  return defineJob({
    ...definition,
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
    ...(schedule === undefined ? {} : { schedule: schedule ?? undefined }),
  });
}

/** Throws when two definitions share a name: a name is also a queue, and two handlers for one queue is a bug. */
export function assertUniqueJobNames(definitions: readonly AnyJobDefinition[]): void {
  const seen = new Set<string>();
  for (const { name } of definitions) {
    if (seen.has(name)) throw new TypeError(`job "${name}" is declared twice`);
    seen.add(name);
  }
}
