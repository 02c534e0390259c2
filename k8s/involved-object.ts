import { objectKey } from '../domain/object-ref.ts';
import type { InvolvedObject } from './event-recorder.ts';
import { watchedKinds } from './watched-kinds.ts';

/** A reference as the translator reports it (group/version may be missing for core objects). */
export interface LooseObjectRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly group?: string;
  readonly version?: string;
  readonly uid?: string;
}

function watchedKindOf(ref: LooseObjectRef) {
  return watchedKinds.find((w) => w.kind === ref.kind && (ref.group === undefined || w.group === ref.group));
}

/** The Event target for an object the translator or a proxy complained about. */
export function involvedObjectOf(ref: LooseObjectRef): InvolvedObject {
  const watched = watchedKindOf(ref);
  const group = ref.group ?? watched?.group ?? '';
  const version = ref.version ?? watched?.version ?? 'v1';
  return {
    apiVersion: group ? `${group}/${version}` : version,
    kind: ref.kind,
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(ref.uid ? { uid: ref.uid } : {}),
  };
}

/** The state-store key of an object named in a translator error or a proxy's entity tags. */
export function storeKeyOf(ref: LooseObjectRef): string {
  const watched = watchedKindOf(ref);
  return objectKey({
    kind: ref.kind,
    group: ref.group ?? watched?.group ?? '',
    namespace: ref.namespace ?? '',
    name: ref.name,
  });
}
