/**
 * The three ways a job handler says how a failure should be retried. `toRetryDecision` is the only
 * place that turns them into BullMQ behaviour (see queue/worker-options.ts).
 */

/** A failure that will not go away by retrying: bad payload, a config the proxy rejected. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
}

/** Retry no earlier than `retryAfterMs` from now (e.g. a 429 with `Retry-After`). */
export class RetryAfterError extends Error {
  override readonly name = 'RetryAfterError';
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number, options?: ErrorOptions) {
    super(message, options);
    this.retryAfterMs = Math.max(0, retryAfterMs);
  }
}

/** A payload that does not match its job's schema, at enqueue or at run time. */
export class PayloadError extends PermanentError {
  readonly job: string;

  constructor(job: string, detail: string) {
    super(`invalid payload for job "${job}": ${detail}`);
    this.job = job;
  }
}

export type RetryDecision =
  | { readonly retry: false }
  | { readonly retry: true; readonly delayMs?: number /* undefined: use the job's backoff policy */ };

/** Anything not marked otherwise is transient and retried with the job's backoff. */
export function toRetryDecision(err: unknown): RetryDecision {
  if (err instanceof PermanentError) return { retry: false };
  if (err instanceof RetryAfterError) return { retry: true, delayMs: err.retryAfterMs };
  return { retry: true };
}
