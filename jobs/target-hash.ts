import type { Desired } from '../domain/build.ts';
import type { FleetTarget } from '../domain/rollout.ts';

/**
 * The one answer to "which build does this proxy get": push, the drift check, the status writers and
 * the CLI all ask here, so a pin or a rollout is honoured everywhere at once. Pure.
 *
 * - a pinned fleet gets the pinned build, whatever was built since;
 * - during a rollout the cohort gets the rollout's build and everyone else the stable one; an aborted
 *   rollout gives everyone the stable build; a complete one gives everyone its build — not `desired`:
 *   a newer build reaches the fleet only through a rollout of its own (jobs/rollout.ts begins it);
 * - without either, every proxy gets `desired` (the behaviour without `spec.rollout`).
 */
export function targetHash(
  proxyId: string,
  desiredHash: string | undefined,
  target: FleetTarget,
): string | undefined {
  if (target.pin) return target.pin.hash;
  const rollout = target.rollout;
  if (!rollout) return desiredHash;
  switch (rollout.phase) {
    case 'Complete':
      return rollout.hash;
    case 'Aborted':
      return rollout.stableHash;
    default:
      return rollout.cohort.includes(proxyId) ? rollout.hash : rollout.stableHash;
  }
}

/** Every hash some proxy may be given right now (kept from eviction by the build store). */
export function hashesInUse(desiredHash: string | undefined, target: FleetTarget): string[] {
  const hashes = new Set<string>();
  if (desiredHash) hashes.add(desiredHash);
  if (target.pin) hashes.add(target.pin.hash);
  if (target.rollout) {
    hashes.add(target.rollout.hash);
    hashes.add(target.rollout.stableHash);
  }
  return [...hashes];
}

/** Since when (ms) the fleet's targets are what they are: a proxy behind them this soon is converging. */
export function targetSince(desired: Desired | null, target: FleetTarget): number {
  const times = [desired?.at, target.pin?.at, target.rollout?.stepStartedAt]
    .filter((at): at is string => Boolean(at))
    .map((at) => Date.parse(at));
  return times.length === 0 ? 0 : Math.max(...times);
}
