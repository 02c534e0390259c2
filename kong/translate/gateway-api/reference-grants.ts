import { type K8sObject, namespaceOf, nonEmpty, records, specOf, str } from '../k8s-object.ts';
import type { Snapshot } from '../snapshot.ts';

export interface GrantFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

export interface GrantTo {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * Whether a ReferenceGrant in the target's namespace lets objects of `from` reference `to` (Gateway API
 * ReferenceGrant: `from` matches group/kind/namespace, `to` group/kind and, when given, name). A reference
 * within one namespace needs no grant.
 */
export function referenceGranted(snapshot: Snapshot, from: GrantFrom, to: GrantTo): boolean {
  if (from.namespace === to.namespace) return true;
  return snapshot.list('ReferenceGrant').some((grant) => grants(grant, from, to));
}

function grants(grant: K8sObject, from: GrantFrom, to: GrantTo): boolean {
  if (namespaceOf(grant) !== to.namespace) return false;
  const spec = specOf(grant);
  const fromOk = records(spec.from).some(
    (f) =>
      coreGroup(str(f.group)) === coreGroup(from.group) &&
      str(f.kind) === from.kind &&
      str(f.namespace) === from.namespace,
  );
  if (!fromOk) return false;
  return records(spec.to).some(
    (t) =>
      coreGroup(str(t.group)) === coreGroup(to.group) &&
      str(t.kind) === to.kind &&
      (nonEmpty(t.name) ?? to.name) === to.name,
  );
}

/** '' and 'core' both name the core API group. */
function coreGroup(group: string | undefined): string {
  return group === undefined || group === 'core' ? '' : group;
}
