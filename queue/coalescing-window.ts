/**
 * Decides, per coalescing key, whether a new job may push back the pending one (debounce) or must
 * leave it to fire (so a never-ending stream of events cannot postpone a build forever).
 *
 * BullMQ's `replace` restarts the delay of a pending delayed job on every add; without it the
 * pending job fires on time and later adds are absorbed (or kept as the one next run while it is
 * active). Pure: the clock is passed in.
 */
export interface CoalescingWindowOptions {
  /** Quiet time that ends a burst. */
  readonly delayMs: number;
  /** Longest a burst may postpone the run. */
  readonly maxDelayMs: number;
}

interface KeyState {
  windowStart: number;
  lastAdd: number;
  /** Until this time, adds must not replace: the pending job has been told to fire. */
  holdUntil: number;
}

export class CoalescingWindow {
  readonly #options: CoalescingWindowOptions;
  readonly #keys = new Map<string, KeyState>();

  constructor(options: CoalescingWindowOptions) {
    this.#options = options;
  }

  /** Records an add at `now` and returns whether it may replace (postpone) the pending job. */
  mayPostpone(key: string, now: number): boolean {
    const { delayMs, maxDelayMs } = this.#options;
    const state = this.#keys.get(key);
    if (!state || (now - state.lastAdd > delayMs && now >= state.holdUntil)) {
      this.#keys.set(key, { windowStart: now, lastAdd: now, holdUntil: 0 });
      this.#forget(now);
      return true;
    }
    state.lastAdd = now;
    if (now < state.holdUntil) return false;
    if (now - state.windowStart < maxDelayMs) return true;
    // The burst has lasted long enough: let the pending job fire, then start a new window.
    state.holdUntil = now + delayMs;
    state.windowStart = state.holdUntil;
    return false;
  }

  #forget(now: number): void {
    if (this.#keys.size < 1024) return;
    for (const [key, state] of this.#keys) {
      if (now - state.lastAdd > this.#options.maxDelayMs) this.#keys.delete(key);
    }
  }
}
