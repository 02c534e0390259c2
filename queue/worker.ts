import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { z } from 'zod';
import { backoffDelay, defaultBackoff } from './backoff.ts';
import type { RedisConnection as Redis } from './connection.ts';
import { type AnyJobDefinition, defaultJobLock, type JobContext } from './define-job.ts';
import { PayloadError, toRetryDecision } from './errors.ts';
import { BACKOFF_TYPE } from './job-options.ts';

/** A running BullMQ worker, for code outside queue/ that holds one. */
export type JobWorker = Worker;

export interface JobWorkerOptions<D> {
  /** A worker connection (queue/connection.ts); BullMQ duplicates it for its blocking reads. */
  readonly connection: Redis;
  readonly prefix: string;
  readonly deps: D;
  readonly logger: Logger;
  /** Aborted when the process gives up waiting for in-flight jobs: they are handed back, not failed. */
  readonly shutdown: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Carries a retry delay from the processor to the backoff strategy. */
interface DelayCarrier extends Error {
  retryAfterMs?: number;
}

/** A BullMQ worker for one job definition. Not started: call `worker.run()`. */
export function createJobWorker<D>(definition: AnyJobDefinition<D>, options: JobWorkerOptions<D>): Worker {
  const { logger, shutdown } = options;
  const timeoutMs = definition.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const processor = async (job: Job, token?: string, cancelled?: AbortSignal): Promise<unknown> => {
    const attempt = job.attemptsMade + 1;
    const log = logger.child({ job: definition.name, jobId: job.id, attempt });
    const parsed = definition.payload.safeParse(job.data);
    if (!parsed.success) {
      const error = new PayloadError(definition.name, z.prettifyError(parsed.error));
      log.error({ err: error }, 'job payload rejected');
      throw new UnrecoverableError(error.message);
    }

    const signals = [AbortSignal.timeout(timeoutMs), shutdown];
    if (cancelled) signals.push(cancelled);
    const signal = AbortSignal.any(signals);
    const ctx: JobContext<D> = { log, signal, attempt, jobId: job.id ?? '', deps: options.deps };

    try {
      return await untilAborted(definition.run(parsed.data, ctx), signal);
    } catch (err) {
      if (shutdown.aborted && token) {
        // Hand the job back without spending an attempt; another process (or this one after a
        // restart) runs it again.
        log.info('job handed back at shutdown');
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      const decision = toRetryDecision(err);
      const error: DelayCarrier = err instanceof Error ? err : new Error(String(err));
      if (!decision.retry) {
        log.warn({ err: error }, 'job failed permanently');
        throw new UnrecoverableError(error.message);
      }
      if (decision.delayMs !== undefined) error.retryAfterMs = decision.delayMs;
      log.warn({ err: error, retryAfterMs: error.retryAfterMs }, 'job failed, will retry');
      throw error;
    }
  };

  const lock = definition.lock ?? defaultJobLock;
  const worker = new Worker(definition.name, processor, {
    connection: options.connection,
    prefix: options.prefix,
    autorun: false,
    concurrency: definition.concurrency ?? 1,
    lockDuration: lock.durationMs,
    stalledInterval: lock.stalledIntervalMs,
    maxStalledCount: lock.maxStalledCount,
    settings: {
      backoffStrategy: (attemptsMade, type, err) => {
        if (type !== BACKOFF_TYPE) return 0;
        const carried = (err as DelayCarrier | undefined)?.retryAfterMs;
        return carried ?? backoffDelay(definition.backoff ?? defaultBackoff, attemptsMade);
      },
    },
  });
  worker.on('error', (err) => logger.error({ err, job: definition.name }, 'worker error'));
  return worker;
}

/** Settles with `work`, or rejects as soon as `signal` aborts, even if the handler ignores it. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
