/**
 * Kong's deterministic entity ids (`get_key_for_uuid_gen` + uuid v5), memoized: each id is a SHA-1 through
 * node:crypto, a few microseconds apiece — the largest single cost of validating tens of thousands of
 * entities without ids — and consecutive builds ask for nearly the same ids.
 */

import { BoundedMemo } from '../memo.ts';
import { kongEntityId } from '../uuid.ts';
import type { Node } from './declarative.ts';

/** Ids derived from a cache key (collection, first part, rest); endpoint-key ids are memoized in src/uuid.ts. */
const ids = new BoundedMemo<string>(100_000);

/** The id Kong derives for the entity, or undefined when it derives none (it then gets a random one). */
export function derivedId(node: Node): string | undefined {
  const type = node.type;
  if (type.primaryKey.length !== 1) return undefined;
  if (type.cacheKeyFields) return cacheKeyId(node);
  if (type.endpointKey) {
    const value = node.raw[type.endpointKey];
    if (typeof value === 'string') return kongEntityId(type.name, value);
  }
  return undefined;
}

/**
 * Kong's cache-key name: the collection name, `*` and each cache-key value joined with `:` (a value that is
 * neither a string nor absent contributes nothing). The memo is asked with the first value and the rest, so
 * the common two-part key (a target's upstream and address) is never joined unless the id is computed.
 */
function cacheKeyId(node: Node): string | undefined {
  let first: string | undefined;
  let rest: string | undefined;
  let count = 0;
  for (const field of node.type.cacheKeyFields!) {
    if (field.auto) return undefined;
    const value = node.raw[field.name];
    let part: string;
    if (typeof value === 'string') part = value;
    else if (value !== undefined) continue;
    else if (field.name === node.linkField) {
      const parentId = node.parent?.processed.id;
      if (typeof parentId !== 'string') return undefined;
      part = parentId;
    } else if (field.required) return undefined;
    else part = '';
    if (count === 0) first = part;
    else rest = count === 1 ? part : `${rest}:${part}`;
    count++;
  }
  // A collection's ids are derived either all from a cache key or all from an endpoint key, never both, so
  // the two kinds never meet under one collection.
  return ids.get(node.type.name, first, rest, cacheKeyEntityId);
}

function cacheKeyEntityId(collection: string, first: string | undefined, rest: string | undefined): string {
  let key = `${collection}:*`;
  if (first !== undefined) key += `:${first}`;
  if (rest !== undefined) key += `:${rest}`;
  return kongEntityId(collection, key);
}
