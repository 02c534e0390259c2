import { Job, Queue } from 'bullmq';
import { z } from 'zod';
import { CoalescingWindow } from './coalescing-window.ts';
import type { RedisConnection as Redis } from './connection.ts';
import type { JobCoalescing, JobDefinition } from './define-job.ts';
import { PayloadError } from './errors.ts';
import { baseJobOptions } from './job-options.ts';

export interface JobProducerOptions {
  /** A producer connection (queue/connection.ts): fails fast when Redis is away. */
  readonly connection: Redis;
  /** BullMQ key prefix. */
  readonly prefix: string;
  /** Longest a burst of coalesced adds may postpone a run. @defaultValue 2000 */
  readonly maxCoalesceDelayMs?: number;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

/** Adds jobs of any definition: validates the payload, applies the definition's options and coalescing. */
export class JobProducer {
  readonly #options: JobProducerOptions;
  readonly #queues = new Map<string, Queue>();
  readonly #windows = new Map<string, CoalescingWindow>();

  constructor(options: JobProducerOptions) {
    this.#options = options;
  }

  /**
   * Validates `payload` and adds a job. Throws PayloadError (nothing is added) when it does not match
   * the schema. Returns the id of the job that will carry the work (an existing one when coalesced).
   */
  // biome-ignore lint/suspicious/noExplicitAny: any dependencies; the producer never calls the handler
  async enqueue<P>(definition: JobDefinition<P, any>, payload: P): Promise<string | undefined> {
    const parsed = definition.payload.safeParse(payload);
    if (!parsed.success) throw new PayloadError(definition.name, z.prettifyError(parsed.error));
    const options = baseJobOptions(definition);
    const coalesce = definition.coalesce;
    if (coalesce) {
      const key = coalesce.key(parsed.data);
      const { replace, delayMs } = coalesce.extend
        ? this.#window(definition.name, coalesce).decide(key, this.#now())
        : { replace: false, delayMs: coalesce.delayMs ?? 0 };
      options.deduplication = { id: key, keepLastIfActive: true, replace };
      if (delayMs > 0) options.delay = delayMs;
    }
    const job = await this.queue(definition.name).add(definition.name, parsed.data, options);
    return job.id;
  }

  /**
   * Like enqueue, and when the job that carries the work is waiting out a retry delay, runs it now:
   * for work that became urgent (a proxy that lost its config must not wait out a backoff grown while
   * it was away). Jobs without coalescing are new and never delayed, so this matters for coalesced ones.
   */
  // biome-ignore lint/suspicious/noExplicitAny: any dependencies; the producer never calls the handler
  async expedite<P>(definition: JobDefinition<P, any>, payload: P): Promise<string | undefined> {
    const id = await this.enqueue(definition, payload);
    if (id === undefined) return id;
    const job = await Job.fromId(this.queue(definition.name), id);
    // Promote fails when the job moved on meanwhile (active, done): then nothing is waiting anyway.
    if (job && (await job.isDelayed())) await job.promote().catch(() => {});
    return id;
  }

  /** The BullMQ queue of a job name (created once, sharing the producer connection). */
  queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      const { connection } = this.#options;
      // BullMQ connects a lazy client itself, and when that one attempt fails (Redis not up yet) the
      // queue keeps the rejection for good: every later command fails with "Connection is closed."
      // even once Redis answers. Started here, the client reconnects forever and BullMQ waits for
      // it to be ready instead.
      if (connection.status === 'wait') connection.connect().catch(() => {});
      queue = new Queue(name, {
        connection,
        prefix: this.#options.prefix,
        streams: { events: { maxLen: 2000 } },
      });
      queue.on('error', () => {
        // Surfaced to callers through the rejected promise of the command that failed.
      });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#queues.values()].map((queue) => queue.close()));
    this.#queues.clear();
  }

  #window(name: string, coalesce: Omit<JobCoalescing<never>, 'key'>): CoalescingWindow {
    let window = this.#windows.get(name);
    if (!window) {
      window = new CoalescingWindow({
        delayMs: coalesce.delayMs ?? 0,
        maxDelayMs: this.#options.maxCoalesceDelayMs ?? 2000,
        burstAfterAdds: coalesce.burst?.afterAdds,
        burstDelayMs: coalesce.burst?.delayMs,
      });
      this.#windows.set(name, window);
    }
    return window;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
