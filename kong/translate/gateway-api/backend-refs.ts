import { GATEWAY_GROUP } from '../gateway-common.ts';
import {
  groupVersionOf,
  type K8sObject,
  kindOf,
  namespaceOf,
  nonEmpty,
  records,
  specOf,
  str,
} from '../k8s-object.ts';
import type { Snapshot } from '../snapshot.ts';
import { referenceGranted } from './reference-grants.ts';
import { type ConditionVerdict, condition } from './verdicts.ts';

/**
 * A route's `ResolvedRefs` condition: every backendRef must be a core Service (`InvalidKind`), permitted across
 * namespaces by a ReferenceGrant (`RefNotPermitted`) and exist (`BackendNotFound`). The first problem is the
 * reason; the message names every problem. Kinds default to Service, as the apiserver defaults them.
 */
export function backendRefsCondition(
  snapshot: Snapshot,
  route: K8sObject,
  generation: number,
): ConditionVerdict {
  const routeNs = namespaceOf(route);
  const from = {
    group: groupVersionOf(route).group || GATEWAY_GROUP,
    kind: kindOf(route),
    namespace: routeNs,
  };
  const problems: Array<{ reason: string; message: string }> = [];
  for (const rule of records(specOf(route).rules)) {
    for (const ref of records(rule.backendRefs)) {
      const group = str(ref.group) ?? '';
      const kind = str(ref.kind) ?? 'Service';
      const namespace = nonEmpty(ref.namespace) ?? routeNs;
      const name = str(ref.name) ?? '';
      const what = `backendRef ${namespace}/${name}`;
      if ((group !== '' && group !== 'core') || kind !== 'Service') {
        problems.push({
          reason: 'InvalidKind',
          message: `${what}: kind ${group ? `${group}/` : ''}${kind} is not supported`,
        });
      } else if (!referenceGranted(snapshot, from, { group: '', kind: 'Service', namespace, name })) {
        problems.push({
          reason: 'RefNotPermitted',
          message: `${what}: no ReferenceGrant in ${namespace} permits it`,
        });
      } else if (!snapshot.get('Service', namespace, name)) {
        problems.push({ reason: 'BackendNotFound', message: `${what}: Service not found` });
      }
    }
  }
  const first = problems[0];
  return first
    ? condition('ResolvedRefs', false, first.reason, problems.map((p) => p.message).join('; '), generation)
    : condition('ResolvedRefs', true, 'ResolvedRefs', 'all references resolved', generation);
}
