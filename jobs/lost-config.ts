import { EMPTY_CONFIG_HASH } from '@kong-fleet/kong-dbless';

/**
 * What one `GET /status` of a proxy showed: nothing (no answer since `since`, still none at `lastAt`, both
 * in ms), or its hash and nginx counters.
 */
export type StatusObservation =
  | { readonly answered: false; readonly since: number; readonly lastAt: number }
  | {
      readonly answered: true;
      readonly hash: string;
      readonly counters: Readonly<Record<string, number>>;
    };

/**
 * Silent this long (first to last unanswered probe) and a proxy counts as away, not just slow to answer
 * one probe on a busy machine: its pushes have likely failed and backed off.
 */
export const AWAY_MS = 3000;

/** nginx counters that only grow while the process lives: one that went down means Kong restarted. */
const MONOTONIC_COUNTERS = ['total_requests', 'connections_accepted', 'connections_handled'] as const;

/** Whether a counter of `current` is below the same counter of `previous` (the process started over). */
export function countersWentBack(
  previous: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): boolean {
  return MONOTONIC_COUNTERS.some((name) => {
    const before = previous[name];
    const now = current[name];
    return before !== undefined && now !== undefined && now < before;
  });
}

/**
 * Whether this observation starts a new episode that deserves a push right now. A proxy lost its config
 * when it answers with the empty hash, or restarted (counters went back) and answers with a hash other
 * than the desired one. It is a new episode when the previous observation did not already show it empty
 * in the same process: a proxy that stays empty is the push job's to retry, with that job's own backoff
 * (a proxy that keeps failing pushes keeps backing off). A proxy that answers again after being silent for
 * AWAY_MS or more, with an older config, `returned`: the pushes that failed while it was away backed off,
 * and the fault that made them fail is over. A proxy seen for the first time is a newcomer, pushed by discovery (or by
 * a new leader) already. `desired` null: nothing built yet, nothing to restore. Pure.
 */
export function lostConfig(
  previous: StatusObservation | undefined,
  current: StatusObservation,
  desired: string | null,
): 'empty' | 'restarted' | 'returned' | undefined {
  if (!current.answered || desired === null || current.hash === desired || previous === undefined)
    return undefined;
  const restarted = previous?.answered === true && countersWentBack(previous.counters, current.counters);
  if (current.hash === EMPTY_CONFIG_HASH) {
    const alreadySeenEmpty = previous?.answered === true && previous.hash === EMPTY_CONFIG_HASH;
    if (!alreadySeenEmpty) return 'empty';
    return restarted ? 'restarted' : undefined;
  }
  if (!previous.answered) return previous.lastAt - previous.since >= AWAY_MS ? 'returned' : undefined;
  return restarted ? 'restarted' : undefined;
}
