/**
 * Kong's deterministic entity ids (`kongEntityId`), memoized for the validator: each id is a SHA-1 through
 * node:crypto, a few microseconds apiece — the largest single cost of validating tens of thousands of
 * entities without ids — and consecutive builds ask for nearly the same ids.
 */
import { kongEntityId } from '../uuid.ts';
import { BoundedMemo } from './memo.ts';

const ids = new BoundedMemo<string>(100_000);

/** `kongEntityId(collection, key)`, from the memo when it was asked for recently. */
export function derivedEntityId(collection: string, key: string): string {
  return ids.get(collection, key, kongEntityId);
}
