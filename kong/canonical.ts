import { configHash } from './config-hash.ts';
import type { KongDeclarativeConfig } from './declarative.ts';

/**
 * The exact text the controller sends as the `config` field of `POST /config` and hashes: JSON with object keys
 * sorted (code-unit order) at every level, arrays in their given order, no whitespace. Kong parses the `config`
 * string as JSON first and computes `configuration_hash` as the MD5 of these bytes, so equal configs give equal text
 * and equal hashes.
 */
export function canonicalJson(config: KongDeclarativeConfig | unknown): string {
  return write(config) ?? 'null';
}

/** `canonicalJson` plus its Kong configuration hash. */
export function canonicalConfig(config: KongDeclarativeConfig): { text: string; hash: string } {
  const text = canonicalJson(config);
  return { text, hash: configHash(text) };
}

/**
 * JSON.stringify semantics (undefined members skipped, undefined array items as null, toJSON ignored: the config is
 * plain data) with sorted keys, written directly instead of building a sorted copy first.
 */
function write(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      return undefined;
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i]) ?? 'null';
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const text = write(record[key]);
    if (text === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${text}`;
    first = false;
  }
  return `${out}}`;
}
