/**
 * Decides, per coalescing key, how long a new job waits and whether it may push back the pending
 * one. A lone event runs after a short quiet time; a burst (many adds in one window) waits longer
 * so it collapses into few runs; and no burst may postpone a run beyond `maxDelayMs`, so endless
 * churn cannot starve the job.
 *
 * BullMQ's `replace` restarts the delay of a pending delayed job on every add; without it the
 * pending job fires on time and later adds are absorbed (or kept as the one next run while it is
 * active). Pure: the clock is passed in.
 */
export interface CoalescingWindowOptions {
  /** Quiet time that ends a short series of events. */
  readonly delayMs: number;
  /** Longest a burst may postpone the run. */
  readonly maxDelayMs: number;
  /** From this many adds in one window on, the quiet time is `burstDelayMs`. @defaultValue never */
  readonly burstAfterAdds?: number;
  /** @defaultValue delayMs */
  readonly burstDelayMs?: number;
}

export interface CoalescingDecision {
  /** Replace (postpone) the pending delayed job. */
  readonly replace: boolean;
  /** Delay of the job added now. */
  readonly delayMs: number;
}

interface KeyState {
  windowStart: number;
  lastAdd: number;
  adds: number;
  /** Quiet time in effect since the last add. */
  delayMs: number;
  /** Until this time, adds must not replace: the pending job has been told to fire. */
  holdUntil: number;
}

export class CoalescingWindow {
  readonly #options: CoalescingWindowOptions;
  readonly #keys = new Map<string, KeyState>();

  constructor(options: CoalescingWindowOptions) {
    this.#options = options;
  }

  /** Records an add at `now` and decides its delay and whether it may postpone the pending job. */
  decide(key: string, now: number): CoalescingDecision {
    const { delayMs, maxDelayMs } = this.#options;
    const state = this.#keys.get(key);
    if (!state || (now - state.lastAdd > state.delayMs && now >= state.holdUntil)) {
      this.#keys.set(key, { windowStart: now, lastAdd: now, adds: 1, delayMs, holdUntil: 0 });
      this.#forget(now);
      return { replace: true, delayMs };
    }
    state.lastAdd = now;
    state.adds++;
    const burst = this.#options.burstAfterAdds !== undefined && state.adds >= this.#options.burstAfterAdds;
    state.delayMs = burst ? (this.#options.burstDelayMs ?? delayMs) : delayMs;
    if (now < state.holdUntil) return { replace: false, delayMs: state.delayMs };
    if (now - state.windowStart < maxDelayMs) return { replace: true, delayMs: state.delayMs };
    // The burst has lasted long enough: let the pending job fire, then start a new window.
    state.holdUntil = now + state.delayMs;
    state.windowStart = state.holdUntil;
    state.adds = 0;
    return { replace: false, delayMs: state.delayMs };
  }

  #forget(now: number): void {
    if (this.#keys.size < 1024) return;
    for (const [key, state] of this.#keys) {
      if (now - state.lastAdd > this.#options.maxDelayMs) this.#keys.delete(key);
    }
  }
}
