import { pluginNames } from './annotations.ts';
import { referenceGranted } from './gateway-api/reference-grants.ts';
import { annotationsOf, type K8sObject, namespaceOf, refOf } from './k8s-object.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * One item of `konghq.com/plugins`: `name` (a KongPlugin in the referrer's namespace, or a KongClusterPlugin),
 * or `namespace:name` (KIC's `ExtractNamespacedKongPluginsFromAnnotations`), a KongPlugin of another namespace
 * that a ReferenceGrant there must allow.
 */
export interface PluginReference {
  /** As written in the annotation (for messages). */
  readonly text: string;
  readonly name: string;
  /** Set only for `namespace:name`. */
  readonly namespace?: string;
}

export function parsePluginReference(text: string): PluginReference {
  const parts = text.split(':');
  return parts.length === 2 ? { text, namespace: parts[0]!, name: parts[1]! } : { text, name: text };
}

/** The references in an object's `konghq.com/plugins`. */
export function pluginReferences(obj: K8sObject): PluginReference[] {
  return pluginNames(annotationsOf(obj)).map(parsePluginReference);
}

/** The namespace a reference's KongPlugin is looked up in (the referrer's own when none is written). */
export function referencedNamespace(referrer: K8sObject, ref: PluginReference): string {
  return ref.namespace ?? namespaceOf(referrer);
}

const KONG_GROUP = 'configuration.konghq.com';

/**
 * KIC's `isRemotePluginReferenceAllowed`: a `namespace:name` reference binds the plugin only when a
 * ReferenceGrant in that namespace lets the referrer's kind (from its namespace) reference KongPlugins (all, or
 * this one by name). Returns why it may not, in KIC's words plus what would permit it; undefined when it may.
 */
export function remotePluginRefusal(
  snapshot: Snapshot,
  referrer: K8sObject,
  ref: PluginReference,
): string | undefined {
  if (ref.namespace === undefined) return undefined;
  const from = refOf(referrer);
  const granted = referenceGranted(
    snapshot,
    { group: from.group, kind: from.kind, namespace: from.namespace },
    { group: KONG_GROUP, kind: 'KongPlugin', namespace: ref.namespace, name: ref.name },
  );
  if (granted) return undefined;
  const fromGroup = from.group === '' ? 'core' : from.group;
  return (
    `no grant found to referenced "${ref.text}" plugin in the requested remote KongPlugin bind ` +
    `(a ReferenceGrant in namespace "${ref.namespace}" must allow ${from.kind} (${fromGroup}) from namespace ` +
    `"${from.namespace}" to KongPlugin ${KONG_GROUP}); plugin not applied`
  );
}
