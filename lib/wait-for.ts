export interface WaitForOptions {
  /** Give up after this long. @defaultValue 10000 */
  timeoutMs?: number;
  /** Pause between two checks. @defaultValue 50 */
  intervalMs?: number;
  /** Named in the timeout error. */
  description?: string;
  /** Stops waiting at once when aborted: rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Polls `check` until it returns something other than `undefined`/`false`, or throws after the deadline
 * with the last error seen. This is how tests and scripts wait for a condition instead of sleeping.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50, description = 'condition', signal }: WaitForOptions = {},
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${cause}`, {
        cause: lastError,
      });
    }
    await pause(intervalMs, signal);
  }
}

/** A pause that ends early when `signal` aborts (the loop above then throws its reason). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
