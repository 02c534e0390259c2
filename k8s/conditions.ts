import type { Condition } from '../domain/proxy.ts';

export type { Condition };

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * The new conditions, keeping each one's lastTransitionTime when its status did not change (so
 * `kubectl get -o yaml` shows since when a proxy has been out of sync, not when we last wrote).
 */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  now: Date,
): Condition[] {
  return next.map((condition) => {
    const before = previous?.find((c) => c.type === condition.type);
    const lastTransitionTime =
      before && before.status === condition.status ? before.lastTransitionTime : now.toISOString();
    return { ...condition, lastTransitionTime };
  });
}
