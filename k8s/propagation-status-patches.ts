import {
  type ObjectPropagation,
  PROGRAMMED,
  PROGRAMMED_ANNOTATION,
  PROPAGATION_ANNOTATION,
} from '../domain/propagation.ts';
import { type Condition, mergeConditions } from './conditions.ts';

/**
 * The status changes propagation writes, computed from what the object has now. Pure: each returns undefined when
 * the object already says it, so an unchanged status is never written; conditions of other types, other
 * controllers' route parents and other annotations are kept as they are.
 */

/** `status.conditions` of a Kong CRD with our `Programmed` in place. */
export function programmedConditions(
  previous: readonly Condition[] | undefined,
  verdict: ObjectPropagation,
  generation: number | undefined,
  now: Date,
): Condition[] | undefined {
  const before = previous?.find((c) => c.type === PROGRAMMED);
  const [next] = mergeConditions(previous, [programmedOf(verdict, generation)], now);
  if (before && sameCondition(before, next!)) return undefined;
  return [...(previous ?? []).filter((c) => c.type !== PROGRAMMED), next!];
}

/**
 * `status.parents` of a route with `Programmed` on each entry of our controllers (next to Accepted and
 * ResolvedRefs). Undefined when nothing changes; `ours: 0` when no entry is ours yet (the Gateway status job
 * writes those first).
 */
export function parentsWithProgrammed(
  parents: readonly Record<string, unknown>[],
  ourControllers: readonly string[],
  verdict: ObjectPropagation,
  generation: number | undefined,
  now: Date,
): { parents: Record<string, unknown>[] | undefined; ours: number } {
  let ours = 0;
  let changed = false;
  const next = parents.map((parent) => {
    if (!ourControllers.includes(String(parent.controllerName))) return parent;
    ours++;
    const conditions = Array.isArray(parent.conditions) ? (parent.conditions as Condition[]) : undefined;
    const updated = programmedConditions(conditions, verdict, generation, now);
    if (!updated) return parent;
    changed = true;
    return { ...parent, conditions: updated };
  });
  return { parents: changed ? next : undefined, ours };
}

/** The annotations an Ingress (no conditions of its own) carries; undefined when it has them already. */
export function propagationAnnotations(
  current: Readonly<Record<string, string>> | undefined,
  verdict: ObjectPropagation,
): Record<string, string> | undefined {
  const wanted = {
    [PROGRAMMED_ANNOTATION]: verdict.status,
    [PROPAGATION_ANNOTATION]: verdict.message,
  };
  const same = Object.entries(wanted).every(([k, v]) => current?.[k] === v);
  return same ? undefined : wanted;
}

function programmedOf(verdict: ObjectPropagation, generation: number | undefined) {
  return {
    type: PROGRAMMED,
    status: verdict.status,
    reason: verdict.reason,
    message: verdict.message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

function sameCondition(a: Condition, b: Condition): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.observedGeneration === b.observedGeneration
  );
}
