/**
 * Deep freezing with a record of what was frozen whole. `Object.isFrozen` tells only that an object's own
 * properties are fixed, not that its children are; memos keyed by object identity (a value's canonical text,
 * its tags, its validation) need the stronger promise that nothing inside can change. `isDeepFrozen` gives it
 * for values that went through `deepFreeze`.
 */
const deeplyFrozen = new WeakSet<object>();

/**
 * Freezes `value` and everything reachable from its own enumerable properties, and records each of them as
 * deeply frozen. Maps and Sets are frozen as objects (their entries stay changeable) and are not recorded.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || deeplyFrozen.has(value)) return value;
  Object.freeze(value);
  if (value instanceof Map || value instanceof Set) return value;
  // Recorded before its children are frozen, so a cycle ends here; nothing runs in between.
  deeplyFrozen.add(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

/** True when `value` is an object that `deepFreeze` froze whole: neither it nor anything in it can change. */
export function isDeepFrozen(value: unknown): boolean {
  return value !== null && typeof value === 'object' && deeplyFrozen.has(value);
}
