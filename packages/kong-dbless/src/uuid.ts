import { createHash } from 'node:crypto';
import { BoundedMemo } from './memo.ts';

/** Root namespace Kong and go-kong use for deterministic entity IDs (kong-admin-api.md §9.2). */
export const KONG_ID_NAMESPACE = 'fd02801f-0957-4a15-a55a-c8d9606f30b5';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** RFC 4122 version-5 (SHA-1, name-based) UUID. */
export function uuidv5(namespace: string, name: string): string {
  if (!isUuid(namespace)) throw new TypeError(`namespace is not a UUID: ${namespace}`);
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const collectionNamespaces = new Map<string, string>();

/**
 * Each id is a SHA-1, a few microseconds apiece, and every build (and every validation) asks again for
 * nearly the same ids: a bounded memo shared by the translator and the validator.
 */
const ids = new BoundedMemo<string>(200_000);

/** `uuidv5(uuidv5(KONG_ID_NAMESPACE, collection), key)`: Kong's and go-kong's deterministic entity ID. */
export function kongEntityId(collection: string, key: string): string {
  return ids.get(collection, key, undefined, computeEntityId);
}

function computeEntityId(collection: string, key: string | undefined): string {
  let namespace = collectionNamespaces.get(collection);
  if (namespace === undefined) {
    namespace = uuidv5(KONG_ID_NAMESPACE, collection);
    collectionNamespaces.set(collection, namespace);
  }
  return uuidv5(namespace, key ?? '');
}
