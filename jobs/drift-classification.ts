import { EMPTY_CONFIG_HASH } from '@kong-fleet/kong-dbless';
import type { DriftCause, DriftClass } from '../domain/drift.ts';

/**
 * A proxy still on the previous build this soon after a new one is converging, not drifted: its push
 * is on the way (and retried by the push job itself).
 */
export const CONVERGING_GRACE_MS = 30_000;

export interface DriftVerdict {
  readonly class: DriftClass;
  /** Set for `drifted` only. */
  readonly cause?: DriftCause;
}

/**
 * What a proxy's reported hash means. `actual` is null when the proxy did not answer, `expected` null
 * when nothing was built yet; `previous` holds the hashes of the builds still kept; `desiredSince`
 * and `now` are in ms. Pure, so every case is table-tested.
 */
export function classifyDrift(
  actual: string | null,
  expected: string | null,
  previous: ReadonlySet<string>,
  desiredSince: number,
  now: number,
): DriftVerdict {
  if (actual === null) return { class: 'unreachable' };
  if (expected === null) return { class: 'no-build' };
  if (actual === expected) return { class: 'in-sync' };
  if (actual === EMPTY_CONFIG_HASH) return { class: 'drifted', cause: 'empty' };
  if (!previous.has(actual)) return { class: 'drifted', cause: 'foreign' };
  if (now - desiredSince < CONVERGING_GRACE_MS) return { class: 'converging' };
  return { class: 'drifted', cause: 'previous-build' };
}
