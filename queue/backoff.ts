/** Capped exponential backoff with jitter. Pure: randomness is passed in so it can be table-tested. */
export interface BackoffPolicy {
  /** Delay before the first retry. @defaultValue 1000 */
  readonly baseMs: number;
  /** No delay is ever longer than this. @defaultValue 60000 */
  readonly capMs: number;
  /** Fraction of the delay taken off at random (0 = none, 1 = "full jitter"). @defaultValue 0.2 */
  readonly jitter: number;
}

export const defaultBackoff: BackoffPolicy = Object.freeze({ baseMs: 1000, capMs: 60_000, jitter: 0.2 });

/**
 * Delay before retry number `retry` (1 for the first retry): `min(cap, base * 2^(retry-1))`, minus
 * up to `jitter` of it at random so that a fleet of failing jobs does not retry in lockstep.
 */
export function backoffDelay(
  policy: BackoffPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, retry - 1);
  // 2^exponent overflows to Infinity for very long outages; the cap keeps the result finite.
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(exponent, 1024));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(ceiling * (1 - jitter * random()));
}
