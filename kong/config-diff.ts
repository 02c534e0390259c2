import { createHash } from 'node:crypto';
import type { FlattenedEntities, KongEntity } from '@kong-fleet/kong-dbless';

/**
 * Entity-by-entity comparison of two Kong configurations, both given as flat collections (the
 * validator's processed entities for the desired build; a proxy's `GET /config` export for what it
 * runs). Entities are matched by their natural key (name, username, plugin + its scope, …), never by
 * list position or generated id, and scalar lists compare as sets, so ordering noise disappears.
 * Pure: no I/O.
 */

export interface EntityChange {
  readonly collection: string;
  /** Natural key, e.g. `echo.default.80` or `rate-limiting@service:echo.default.80`. */
  readonly key: string;
  /** For `changed`: the fields that differ, with both values (secret fields redacted). */
  readonly fields?: readonly {
    readonly field: string;
    readonly desired: unknown;
    readonly actual: unknown;
  }[];
}

export interface ConfigDiff {
  /** On the proxy, not in the desired config. */
  readonly added: readonly EntityChange[];
  /** In the desired config, missing on the proxy. */
  readonly removed: readonly EntityChange[];
  /** On both, with different values. */
  readonly changed: readonly EntityChange[];
}

export interface DiffSummary {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

export function summarizeDiff(diff: ConfigDiff): DiffSummary {
  return { added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length };
}

/** Fields that never differ meaningfully (identity and timestamps) or that link to other entities. */
const IGNORED_FIELDS = new Set(['id', 'created_at', 'updated_at', 'ws_id']);
const FOREIGN_KEYS = new Set([
  'service',
  'route',
  'consumer',
  'consumer_group',
  'upstream',
  'certificate',
  'client_certificate',
]);
/** Values shown as `[redacted]` in a diff: certificates, keys and credentials. */
const SECRET_FIELDS = new Set([
  'key',
  'cert',
  'cert_alt',
  'key_alt',
  'password',
  'secret',
  'rsa_public_key',
  'private_key',
]);

/** How an entity of each collection is known, independent of its id. */
const NATURAL_KEY: Readonly<Record<string, readonly string[]>> = {
  services: ['name'],
  routes: ['name'],
  upstreams: ['name'],
  consumer_groups: ['name'],
  snis: ['name'],
  vaults: ['prefix'],
  consumers: ['username', 'custom_id'],
  targets: ['upstream', 'target'],
  plugins: ['name', 'service', 'route', 'consumer', 'consumer_group', 'instance_name'],
  keyauth_credentials: ['consumer', 'key'],
  basicauth_credentials: ['consumer', 'username'],
  hmacauth_credentials: ['consumer', 'username'],
  jwt_secrets: ['consumer', 'key'],
  acls: ['consumer', 'group'],
  mtls_auth_credentials: ['consumer', 'subject_name'],
  certificates: ['cert'],
  ca_certificates: ['cert'],
};

/** Either side as collections of entities; foreign keys may be `{id}` objects or id strings. */
export type FlatConfig = Readonly<Record<string, readonly KongEntity[]>>;

export function fromFlattenedEntities(entities: FlattenedEntities): FlatConfig {
  return Object.fromEntries(
    Object.entries(entities).map(([collection, byId]) => [collection, Object.values(byId)]),
  );
}

/** A proxy's `GET /config` export parsed from YAML: keeps the entity collections, drops `_format_version` and the like. */
export function fromExport(exported: Record<string, unknown>): FlatConfig {
  return Object.fromEntries(
    Object.entries(exported).filter(([key, value]) => !key.startsWith('_') && Array.isArray(value)) as [
      string,
      KongEntity[],
    ][],
  );
}

export interface DiffOptions {
  /**
   * Compare entity ids too (shadow mode: a takeover must keep every id). Desired ids for which `generated`
   * is true were made up by the local validation (Kong makes its own for those) and are not compared.
   */
  readonly compareIds?: { readonly generated: (id: string) => boolean };
}

export function diffConfigs(desired: FlatConfig, actual: FlatConfig, options: DiffOptions = {}): ConfigDiff {
  const want = index(desired);
  const have = index(actual);
  const added: EntityChange[] = [];
  const removed: EntityChange[] = [];
  const changed: EntityChange[] = [];
  for (const collection of [...new Set([...want.keys(), ...have.keys()])].sort()) {
    const wanted = want.get(collection) ?? new Map<string, KongEntity>();
    const held = have.get(collection) ?? new Map<string, KongEntity>();
    for (const [key, entity] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
      const other = held.get(key);
      if (!other) {
        removed.push({ collection, key });
        continue;
      }
      const fields = differingFields(entity, other);
      const ids = options.compareIds;
      if (ids && typeof entity.id === 'string' && !ids.generated(entity.id) && entity.id !== other.id)
        fields.unshift({ field: 'id', desired: entity.id, actual: other.id });
      if (fields.length > 0) changed.push({ collection, key, fields });
    }
    for (const key of [...held.keys()].sort()) if (!wanted.has(key)) added.push({ collection, key });
  }
  return { added, removed, changed };
}

/**
 * The first `limit` differences as short lines (`- routes a.b`, `+ plugins x`, `~ services s (host, port)`),
 * missing entities first: what a condition message or a CLI summary names.
 */
export function firstDifferences(diff: ConfigDiff, limit: number): string[] {
  const lines = [
    ...diff.removed.map((change) => `- ${change.collection} ${change.key}`),
    ...diff.added.map((change) => `+ ${change.collection} ${change.key}`),
    ...diff.changed.map(
      (change) =>
        `~ ${change.collection} ${change.key} (${(change.fields ?? []).map((field) => field.field).join(', ')})`,
    ),
  ];
  return lines.slice(0, limit);
}

/** Collection → natural key → entity, with foreign keys resolved to the natural key of what they point at. */
function index(config: FlatConfig): Map<string, Map<string, KongEntity>> {
  const keyById = new Map<string, string>();
  const naturalKey = (collection: string, entity: KongEntity): string => {
    const parts = (NATURAL_KEY[collection] ?? ['id']).flatMap((field) => {
      const value = entity[field];
      if (value === null || value === undefined || value === '') return [];
      if (FOREIGN_KEYS.has(field))
        return [`${field}:${keyById.get(foreignId(value) ?? '') ?? foreignId(value)}`];
      if (field === 'cert' || field === 'key') return [`${field}:${digest(String(value))}`];
      return [typeof value === 'string' ? value : JSON.stringify(value)];
    });
    return parts.join('@') || String(entity.id);
  };
  // Parents before children, so a child's key can name its parent.
  const order = [
    'certificates',
    'ca_certificates',
    'services',
    'upstreams',
    'consumers',
    'consumer_groups',
    'routes',
  ];
  const collections = [
    ...order.filter((c) => c in config),
    ...Object.keys(config).filter((c) => !order.includes(c)),
  ];
  const result = new Map<string, Map<string, KongEntity>>();
  for (const collection of collections) {
    const byKey = new Map<string, KongEntity>();
    for (const entity of config[collection] ?? []) {
      const key = naturalKey(collection, entity);
      if (typeof entity.id === 'string') keyById.set(entity.id, key);
      byKey.set(key, entity);
    }
    result.set(collection, byKey);
  }
  return result;
}

function differingFields(desired: KongEntity, actual: KongEntity) {
  const out: { field: string; desired: unknown; actual: unknown }[] = [];
  for (const [field, value] of Object.entries(desired)) {
    if (IGNORED_FIELDS.has(field) || FOREIGN_KEYS.has(field)) continue;
    if (equal(normalize(value), normalize(actual[field]))) continue;
    const secret = SECRET_FIELDS.has(field);
    out.push({
      field,
      desired: secret ? '[redacted]' : value,
      actual: secret ? '[redacted]' : actual[field],
    });
  }
  return out;
}

/** null and absent are both "unset"; scalar lists compare as sets; object keys in sorted order. */
function normalize(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) {
    const items = value.map(normalize);
    return items.every((item) => item === null || typeof item !== 'object') ? [...items].sort() : items;
  }
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => [k, normalize(v)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }
  return value;
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function foreignId(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return undefined;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
