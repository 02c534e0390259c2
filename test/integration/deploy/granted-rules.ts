import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'vitest';

/** One granted permission: `verb group/resource[name]` (`core` for the core group). */
export const permission = (verb: string, group: string, resource: string, name?: string) =>
  `${verb} ${group || 'core'}/${resource}${name ? `[${name}]` : ''}`;

export const expand = (verbs: readonly string[], group: string, resource: string, name?: string) =>
  verbs.map((verb) => permission(verb, group, resource, name));

/** Every authenticated user may ask about itself (system:basic-user); not ours to grant or deny. */
const SELF_REVIEWS = new Set(['selfsubjectreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews']);

/** What `sa` may do in `namespace`, as `verb group/resource[name]` lines, sorted. */
export async function grantedIn(sa: KubeConfig, namespace: string): Promise<string[]> {
  const review = await sa
    .makeApiClient(AuthorizationV1Api)
    .createSelfSubjectRulesReview({ body: { spec: { namespace } } });
  expect(review.status?.incomplete).toBe(false);
  const granted = new Set<string>();
  for (const rule of review.status?.resourceRules ?? []) {
    for (const group of rule.apiGroups ?? [''])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs)
          for (const name of rule.resourceNames?.length ? rule.resourceNames : [undefined])
            if (!SELF_REVIEWS.has(resource)) granted.add(permission(verb, group, resource, name));
  }
  return [...granted].sort();
}
