import { createHash } from 'node:crypto';
import { configHash } from '@kong-fleet/kong-dbless';
import { isDeepFrozen } from '../lib/deep-freeze.ts';
import type { KongDeclarativeConfig } from './declarative.ts';

/**
 * The exact text the controller sends as the `config` field of `POST /config` and hashes: JSON with object keys
 * sorted (code-unit order; integer-like keys first, in numeric order, as JavaScript objects enumerate them) at every
 * level, arrays in their given order, no whitespace. Kong parses the `config` string as JSON first and computes
 * `configuration_hash` as the MD5 of these bytes, so equal configs give equal text and equal hashes.
 */
export function canonicalJson(config: KongDeclarativeConfig | unknown): string {
  return textOf(config, WALKED_LEVELS) as string;
}

/**
 * How many levels of containers that are not deeply frozen are serialised piece by piece (the config, its
 * collections, their entities), so that the deeply frozen values inside them — entities the partitioned
 * translator reused — are looked up instead of serialised again. Below that, the native path.
 */
const WALKED_LEVELS = 3;

/** Canonical texts of deeply frozen values (lib/deep-freeze.ts), which can never change. */
const frozenTexts = new WeakMap<object, string>();

/** The canonical text of `value`; undefined where JSON has none (undefined, functions, symbols). */
function textOf(value: unknown, levels: number): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (isDeepFrozen(value)) {
    let text = frozenTexts.get(value);
    if (text === undefined) {
      text = JSON.stringify(sortKeys(value));
      frozenTexts.set(value, text);
    }
    return text;
  }
  // A sorted copy handed to the native JSON.stringify beats hand-written serialisation by about 2x.
  if (levels === 0) return JSON.stringify(sortKeys(value));
  if (Array.isArray(value)) {
    // Indexed, not mapped: a hole is `null` too, as JSON.stringify writes it.
    const items: string[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) items[i] = textOf(value[i], levels - 1) ?? 'null';
    return `[${items.join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of nativeOrder(Object.keys(record).sort())) {
    const text = textOf(record[key], levels - 1);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}

/** `canonicalJson` plus its Kong configuration hash. */
export function canonicalConfig(config: KongDeclarativeConfig): { text: string; hash: string } {
  const text = canonicalJson(config);
  return { text, hash: configHash(text) };
}

/**
 * Sorted keys in the order JSON.stringify writes them from an object they were inserted into in that order, as
 * `sortKeys` does: integer-like keys ("2", "10") first, in numeric order, then the rest as inserted.
 */
function nativeOrder(sorted: string[]): readonly string[] {
  if (!sorted.some((key) => key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57)) return sorted;
  const probe: Record<string, true> = Object.create(null);
  for (const key of sorted) probe[key] = true;
  return Object.keys(probe);
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
