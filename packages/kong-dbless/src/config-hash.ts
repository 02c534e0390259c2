import { createHash } from 'node:crypto';

/** What `GET /status` reports as `configuration_hash` when a node holds no entities. */
export const EMPTY_CONFIG_HASH = '00000000000000000000000000000000';

/**
 * Kong's configuration hash for a config sent as text (a `config` field or a raw YAML body):
 * the lowercase hex MD5 of the exact bytes (kong-admin-api.md §2.6).
 */
export function configHash(text: string | Uint8Array): string {
  return createHash('md5').update(text).digest('hex');
}
