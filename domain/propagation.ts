/**
 * Propagation status: which served objects a build holds (at which content version) and which it dropped, and
 * what the controller tells each object about it. Plain values shared by the build job, the store and the writers.
 */
import type { ObjectRef } from './object-ref.ts';

/** The objects of one build, by `objectKey`: served ones with their content version, dropped ones with why. */
export interface BuildObjects {
  readonly served: Readonly<Record<string, string>>;
  readonly dropped: Readonly<Record<string, string>>;
}

/** What an object is told: the `Programmed` condition's status, reason and message. */
export interface ObjectPropagation {
  readonly ref: ObjectRef;
  readonly key: string;
  readonly status: 'True' | 'False';
  /** `Programmed` (live on every proxy), `PartiallyProgrammed`, `Pending` (on none yet), `Invalid` (dropped). */
  readonly reason: 'Programmed' | 'PartiallyProgrammed' | 'Pending' | 'Invalid';
  readonly message: string;
  readonly live: number;
  readonly total: number;
  readonly hash: string;
}

/** The condition type Kong CRDs and Gateway API route parents carry, as KIC names it. */
export const PROGRAMMED = 'Programmed';

/** Annotations on objects whose type has no conditions (Ingress): `True`/`False`, and the message. */
export const PROGRAMMED_ANNOTATION = 'kongfleet.io/programmed';
export const PROPAGATION_ANNOTATION = 'kongfleet.io/propagation';

/** The Pod readiness gate's condition type, and the Pod annotations with the proxy's config hash and state. */
export const CONFIG_APPLIED_CONDITION = 'kongfleet.io/config-applied';
export const CONFIG_HASH_ANNOTATION = 'kongfleet.io/config-hash';
export const CONFIG_STATE_ANNOTATION = 'kongfleet.io/config-state';

/** Annotations this controller writes itself: never part of an object's content (no rebuild for our own write). */
export const OWN_ANNOTATIONS: readonly string[] = [PROGRAMMED_ANNOTATION, PROPAGATION_ANNOTATION];

/** The readiness gate condition and annotations kong-fleet puts on one proxy Pod. */
export interface PodGate {
  readonly status: 'True' | 'False';
  /** `DesiredConfig`, `RecentConfig` (an earlier build within the grace), `ConfigBehind`, `NoConfig`. */
  readonly reason: string;
  readonly message: string;
  /** The hash the proxy runs, as last read ('' when unknown). */
  readonly hash: string;
  /** The proxy's state (Synced, Pending, …). */
  readonly state: string;
}
