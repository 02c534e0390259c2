import { createHash } from 'node:crypto';
import { configHash } from '@kong-fleet/kong-dbless';
import type { KongDeclarativeConfig } from './declarative.ts';

/**
 * The exact text the controller sends as the `config` field of `POST /config` and hashes: JSON with object keys
 * sorted (code-unit order) at every level, arrays in their given order, no whitespace. Kong parses the `config`
 * string as JSON first and computes `configuration_hash` as the MD5 of these bytes, so equal configs give equal text
 * and equal hashes.
 */
export function canonicalJson(config: KongDeclarativeConfig | unknown): string {
  // A sorted copy handed to the native JSON.stringify beats hand-written serialisation by about 2x.
  return JSON.stringify(sortKeys(config));
}

/** `canonicalJson` plus its Kong configuration hash. */
export function canonicalConfig(config: KongDeclarativeConfig): { text: string; hash: string } {
  const text = canonicalJson(config);
  return { text, hash: configHash(text) };
}

/** A copy with object keys in sorted order at every level (undefined members dropped, as JSON does). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  // No prototype: a user key named "__proto__" (plugin config is user data) stays an ordinary key.
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/** Content hashes of objects already hashed: inputs are immutable (a changed object is a new object). */
const contentHashes = new WeakMap<object, string>();

/**
 * A short content hash of one object (sha1 of its canonical text, 16 hex digits), memoised by identity: the
 * build's snapshot keeps unchanged objects as the same JavaScript objects, so a rebuild after one change hashes
 * one object, not the cluster. Callers must not mutate an object after hashing it (none does: see
 * kong/translate/README.md, "Pure").
 */
export function contentHash(object: object): string {
  let hash = contentHashes.get(object);
  if (hash === undefined) {
    hash = createHash('sha1').update(canonicalJson(object)).digest('hex').slice(0, 16);
    contentHashes.set(object, hash);
  }
  return hash;
}
