import type { KubernetesObject } from '@kubernetes/client-node';
import { OWN_ANNOTATIONS } from '../domain/propagation.ts';
import { apiVersionOf, type WatchedKind } from './watched-kinds.ts';

/** Secret types the translator never reads; storing them would copy unrelated credentials into Redis. */
const IGNORED_SECRET_TYPES = new Set([
  'helm.sh/release.v1',
  'kubernetes.io/service-account-token',
  'kubernetes.io/dockercfg',
  'kubernetes.io/dockerconfigjson',
  'bootstrap.kubernetes.io/token',
]);

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The form in which an object enters the state store: what the translator reads and nothing that
 * changes without meaning. Drops managedFields, resourceVersion and status (written by controllers,
 * including this one, and never translated), kubectl's last-applied annotation (a second copy of
 * the object, secret data included) and the propagation annotations this controller writes (its own write
 * must not look like a change to build from). Returns undefined for objects that are not stored at all.
 */
export function storedForm(
  object: KubernetesObject,
  watched: WatchedKind,
): Record<string, unknown> | undefined {
  const raw = object as KubernetesObject & { type?: string; status?: unknown };
  if (watched.kind === 'Secret' && raw.type && IGNORED_SECRET_TYPES.has(raw.type)) return undefined;
  const {
    managedFields: _m,
    resourceVersion: _r,
    selfLink: _s,
    annotations,
    ...metadata
  } = object.metadata ?? {};
  const { status: _status, metadata: _metadata, apiVersion: _a, kind: _k, ...rest } = raw;
  const keptAnnotations = annotations
    ? Object.fromEntries(
        Object.entries(annotations).filter(([k]) => k !== LAST_APPLIED && !OWN_ANNOTATIONS.includes(k)),
      )
    : undefined;
  return {
    apiVersion: apiVersionOf(watched),
    kind: watched.kind,
    metadata:
      keptAnnotations && Object.keys(keptAnnotations).length > 0
        ? { ...metadata, annotations: keptAnnotations }
        : metadata,
    ...rest,
  };
}
