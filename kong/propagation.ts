import { type ObjectRef, objectKey, parseObjectKey } from '../domain/object-ref.ts';
import type { BuildObjects, ObjectPropagation } from '../domain/propagation.ts';
import { isDeepFrozen } from '../lib/deep-freeze.ts';
import { contentHash } from './canonical.ts';
import { refFromTags } from './translate/index.ts';
import { isRecord, type K8sObject, refOf } from './translate/k8s-object.ts';

const GATEWAY = 'gateway.networking.k8s.io';
const KONG = 'configuration.konghq.com';

/** The served kinds that get a propagation status (group/kind). */
export const PROPAGATION_KINDS: readonly { readonly kind: string; readonly group: string }[] = [
  { kind: 'Ingress', group: 'networking.k8s.io' },
  { kind: 'HTTPRoute', group: GATEWAY },
  { kind: 'GRPCRoute', group: GATEWAY },
  { kind: 'TCPRoute', group: GATEWAY },
  { kind: 'TLSRoute', group: GATEWAY },
  { kind: 'UDPRoute', group: GATEWAY },
  { kind: 'KongPlugin', group: KONG },
  { kind: 'KongClusterPlugin', group: KONG },
  { kind: 'KongConsumer', group: KONG },
];

export function hasPropagationStatus(ref: Pick<ObjectRef, 'kind' | 'group'>): boolean {
  return PROPAGATION_KINDS.some((k) => k.kind === ref.kind && k.group === ref.group);
}

/**
 * An object's content version: a digest of what the translator reads (the stored form, which leaves out status,
 * resourceVersion and our own annotations), so our status writes never make an object look changed.
 */
export function objectVersion(object: K8sObject): string {
  return contentHash(object);
}

/**
 * Which served objects a built config holds (every object some entity is tagged with, at its current version)
 * and which the build dropped, with the translation or validation error. Pure.
 */
export function buildObjectsOf(
  config: unknown,
  objects: readonly unknown[],
  dropped: readonly { readonly object: ObjectRef; readonly reason: string; readonly dropped?: boolean }[],
): BuildObjects {
  const tagged = new Set<string>();
  collectTaggedKeys(config, tagged);
  const served: Record<string, string> = {};
  for (const object of objects) {
    const identity = isRecord(object) ? propagationIdentity(object) : undefined;
    if (identity && tagged.has(identity.key)) served[identity.key] = identity.version;
  }
  const droppedKeys: Record<string, string> = {};
  for (const error of dropped) {
    if (error.dropped === false || !hasPropagationStatus(error.object)) continue;
    const key = objectKey(error.object);
    if (!(key in served) && !(key in droppedKeys)) droppedKeys[key] = error.reason.slice(0, 1000);
  }
  return { served, dropped: droppedKeys };
}

/**
 * An object's key and version when its kind gets a propagation status, else null; memoised per object, which is
 * never changed (a changed object is a new object), so a build after one change looks at one object.
 */
const propagationIdentities = new WeakMap<object, { key: string; version: string } | null>();

function propagationIdentity(object: K8sObject): { key: string; version: string } | null {
  let identity = propagationIdentities.get(object);
  if (identity === undefined) {
    const ref = refOf(object);
    identity = hasPropagationStatus(ref) ? { key: objectKey(ref), version: objectVersion(object) } : null;
    propagationIdentities.set(object, identity);
  }
  return identity;
}

/** Adds the keys of the objects `value`'s entities are tagged with, reusing what deeply frozen values gave. */
function collectTaggedKeys(value: unknown, into: Set<string>): void {
  if (!isDeepFrozen(value)) {
    walkTags(value, into, collectTaggedKeys);
    return;
  }
  const frozen = value as object;
  let keys = taggedKeysOfFrozen.get(frozen);
  if (keys === undefined) {
    const found = new Set<string>();
    // Everything below a deeply frozen value is frozen too: one plain walk, one memo entry.
    const walkAll = (child: unknown, set: Set<string>): void => walkTags(child, set, walkAll);
    walkAll(frozen, found);
    keys = [...found];
    taggedKeysOfFrozen.set(frozen, keys);
  }
  for (const key of keys) into.add(key);
}

/** The tagged keys of deeply frozen values (entities the partitioned translator reused), which never change. */
const taggedKeysOfFrozen = new WeakMap<object, readonly string[]>();

function walkTags(
  value: unknown,
  into: Set<string>,
  recurse: (child: unknown, into: Set<string>) => void,
): void {
  if (Array.isArray(value)) {
    for (const item of value) recurse(item, into);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [field, child] of Object.entries(value)) {
    if (field === 'tags' && Array.isArray(child)) {
      const ref = refFromTags(child.filter((t): t is string => typeof t === 'string'));
      if (ref && hasPropagationStatus(ref)) into.add(objectKey(ref));
    } else if (typeof child === 'object' && child !== null) recurse(child, into);
  }
}

/** The short form of a hash in messages. */
export function shortHash(hash: string): string {
  return hash.length > 12 ? `${hash.slice(0, 12)}…` : hash;
}

/**
 * Each object of the desired build, told how far it got: live on how many of the proxies (a proxy counts when the
 * build it runs holds the object at the same version, whichever build that is), or why it was dropped. Pure.
 */
export function propagationOf(
  desired: { readonly hash: string; readonly objects: BuildObjects },
  proxyHashes: readonly (string | undefined)[],
  objectsOf: (hash: string) => BuildObjects | undefined,
): ObjectPropagation[] {
  const total = proxyHashes.length;
  const running = new Map<string, number>();
  for (const hash of proxyHashes) if (hash) running.set(hash, (running.get(hash) ?? 0) + 1);
  const builds = [...running].flatMap(([hash, count]) => {
    const objects = hash === desired.hash ? desired.objects : objectsOf(hash);
    return objects ? [{ objects, count }] : [];
  });
  const at = shortHash(desired.hash);
  const verdicts: ObjectPropagation[] = [];
  for (const [key, version] of Object.entries(desired.objects.served)) {
    const ref = parseObjectKey(key);
    if (!ref) continue;
    const live = builds.reduce((sum, b) => sum + (b.objects.served[key] === version ? b.count : 0), 0);
    const reason = live === 0 ? 'Pending' : live === total ? 'Programmed' : 'PartiallyProgrammed';
    const message =
      total === 0 ? `in build ${at}, no proxies known yet` : `live on ${live}/${total} proxies at ${at}`;
    verdicts.push({
      ref,
      key,
      status: live > 0 ? 'True' : 'False',
      reason,
      message,
      live,
      total,
      hash: desired.hash,
    });
  }
  for (const [key, why] of Object.entries(desired.objects.dropped)) {
    const ref = parseObjectKey(key);
    if (!ref) continue;
    const message = `not in build ${at}: ${why}`.slice(0, 1000);
    verdicts.push({
      ref,
      key,
      status: 'False',
      reason: 'Invalid',
      message,
      live: 0,
      total,
      hash: desired.hash,
    });
  }
  return verdicts;
}

/** What a verdict writes, without counts that are not shown: equal digests mean an equal status. */
export function propagationDigest(verdict: ObjectPropagation): string {
  return `${verdict.status}|${verdict.reason}|${verdict.message}`;
}
