import { groupVersionOf, type K8sObject, kindOf, nameOf, namespaceOf, uidOf } from './k8s-object.ts';

const USER_TAGS_ANNOTATION = 'konghq.com/tags';

/**
 * KIC's `util.GenerateTagsForObject`: `k8s-name`, `k8s-namespace`, `k8s-kind`, `k8s-uid`, `k8s-group` (omitted for
 * the core group), `k8s-version`, then extra tags, then the user's `konghq.com/tags` (comma list, deduplicated).
 */
export function tagsForObject(obj: K8sObject, extra: readonly string[] = []): string[] {
  if (extra.length > 0) return computeTags(obj, extra);
  // Cached by the identity of `metadata` (objects are never edited in place); callers get their own copy.
  const meta = obj.metadata;
  if (typeof meta !== 'object' || meta === null) return computeTags(obj, extra);
  let cached = tagCache.get(meta);
  if (!cached || cached.apiVersion !== obj.apiVersion || cached.kind !== obj.kind) {
    cached = { apiVersion: obj.apiVersion, kind: obj.kind, tags: computeTags(obj, extra) };
    tagCache.set(meta, cached);
  }
  return [...cached.tags];
}

const tagCache = new WeakMap<object, { apiVersion: unknown; kind: unknown; tags: string[] }>();

function computeTags(obj: K8sObject, extra: readonly string[]): string[] {
  const tags: string[] = [];
  const name = nameOf(obj);
  const namespace = namespaceOf(obj);
  const { group, version } = groupVersionOf(obj);
  if (name) tags.push(`k8s-name:${name}`);
  if (namespace) tags.push(`k8s-namespace:${namespace}`);
  const kind = kindOf(obj);
  if (kind) tags.push(`k8s-kind:${kind}`);
  const uid = uidOf(obj);
  if (uid) tags.push(`k8s-uid:${uid}`);
  if (group) tags.push(`k8s-group:${group}`);
  if (version) tags.push(`k8s-version:${version}`);
  tags.push(...extra);
  const anns = (obj.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
  const userTags = anns?.[USER_TAGS_ANNOTATION];
  if (typeof userTags === 'string' && userTags !== '') {
    // KIC splits on commas without trimming; empty items are skipped because Kong rejects empty tags.
    for (const tag of userTags.split(',')) if (tag && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

/** Placeholder tags KIC gives a Kong service none of whose backends resolved. */
export const UNKNOWN_SERVICE_TAGS: readonly string[] = Object.freeze([
  'k8s-name:UNKNOWN',
  'k8s-namespace:UNKNOWN',
  'k8s-kind:Service',
  'k8s-uid:00000000-0000-0000-0000-000000000000',
  'k8s-group:core',
  'k8s-version:v1',
]);

export function namedRouteRuleTags(names: readonly string[]): string[] {
  return names.map((n) => `k8s-named-route-rule:${n}`);
}
