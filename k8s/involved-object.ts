import type { ObjectRef } from '../domain/object-ref.ts';
import type { InvolvedObject } from './event-recorder.ts';
import { watchedKinds } from './watched-kinds.ts';

/** The Event target for an object the translator or a proxy complained about (the version from the watch when absent). */
export function involvedObjectOf(ref: ObjectRef): InvolvedObject {
  const version =
    ref.version ?? watchedKinds.find((w) => w.kind === ref.kind && w.group === ref.group)?.version ?? 'v1';
  return {
    apiVersion: ref.group ? `${ref.group}/${version}` : version,
    kind: ref.kind,
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(ref.uid ? { uid: ref.uid } : {}),
  };
}
