import type { KongVaultEntity } from '../declarative.ts';
import { getOrInsert } from './collections.ts';
import type { ErrorCollector } from './errors.ts';
import { isRecord, type K8sObject, namespaceOf, nonEmpty, rec, specOf, str } from './k8s-object.ts';
import type { Snapshot } from './snapshot.ts';
import { tagsForObject } from './tags.ts';

/** KongVaults of our class → `vaults` (KIC's `FillVaults`); a prefix used twice keeps the first. */
export function translateVaults(snapshot: Snapshot, errors: ErrorCollector): KongVaultEntity[] {
  const out: KongVaultEntity[] = [];
  const prefixes = new Set<string>();
  for (const obj of snapshot.list('KongVault')) {
    if (!snapshot.annotationMatchesClass(obj)) continue;
    const spec = specOf(obj);
    const backend = nonEmpty(spec.backend);
    const prefix = nonEmpty(spec.prefix);
    if (!backend || !prefix) {
      errors.reject(obj, 'spec.backend and spec.prefix are required');
      continue;
    }
    if (prefixes.has(prefix)) {
      errors.reject(obj, `vault prefix "${prefix}" is already used by another KongVault`);
      continue;
    }
    prefixes.add(prefix);
    const vault: KongVaultEntity = { name: backend, prefix, tags: tagsForObject(obj) };
    const description = nonEmpty(spec.description);
    if (description) vault.description = description;
    if (isRecord(spec.config)) vault.config = structuredClone(spec.config);
    out.push(vault);
  }
  return out;
}

/** Collections the declarative format defines; a KongCustomEntity may not shadow them. */
const RESERVED = new Set([
  'services',
  'routes',
  'upstreams',
  'targets',
  'plugins',
  'consumers',
  'consumer_groups',
  'consumer_group_consumers',
  'certificates',
  'ca_certificates',
  'snis',
  'vaults',
  'keyauth_credentials',
  'basicauth_credentials',
  'acls',
  'hmacauth_credentials',
  'jwt_secrets',
  'oauth2_credentials',
  'mtls_auth_credentials',
  '_format_version',
  '_transform',
]);

/** Known custom entity types that reference a Kong service (Kong's schema: a `service` foreign key). */
const SERVICE_SCOPED = new Set(['degraphql_routes']);

/**
 * KongCustomEntities (KIC's `FillCustomEntities`): `spec.fields` as an entity of collection `spec.type`; when the
 * parent KongPlugin is bound to services or routes, one entity per bound Kong service, with `service.id` set.
 */
export function translateCustomEntities(
  snapshot: Snapshot,
  boundServiceIds: (plugin: K8sObject) => string[],
  errors: ErrorCollector,
): Map<string, Record<string, unknown>[]> {
  const out = new Map<string, Record<string, unknown>[]>();
  if (!snapshot.settings.featureFlags.KongCustomEntity) return out;
  for (const obj of snapshot.list('KongCustomEntity')) {
    const spec = specOf(obj);
    if (str(spec.controllerName) !== snapshot.settings.ingressClass) continue;
    const type = nonEmpty(spec.type);
    if (!type || !/^[a-z0-9_]+$/.test(type) || RESERVED.has(type)) {
      errors.reject(
        obj,
        'spec.type must name a custom Kong entity collection (lower-case letters, digits, "_")',
      );
      continue;
    }
    if (!isRecord(spec.fields)) {
      errors.reject(obj, 'spec.fields must be an object');
      continue;
    }
    const fields = spec.fields;
    let serviceIds: string[] = [];
    const parent = rec(spec.parentRef);
    if (parent) {
      const kind = str(parent.kind);
      const name = str(parent.name) ?? '';
      const ns = nonEmpty(parent.namespace) ?? namespaceOf(obj);
      if (
        str(parent.group) !== 'configuration.konghq.com' ||
        (kind !== 'KongPlugin' && kind !== 'KongClusterPlugin')
      ) {
        errors.reject(
          obj,
          'spec.parentRef must be a KongPlugin or KongClusterPlugin (group configuration.konghq.com)',
        );
        continue;
      }
      if (kind === 'KongPlugin' && ns !== namespaceOf(obj)) {
        errors.reject(obj, 'cross-namespace parentRef is not supported');
        continue;
      }
      const plugin =
        kind === 'KongPlugin'
          ? snapshot.get('KongPlugin', ns, name)
          : snapshot.get('KongClusterPlugin', '', name);
      if (plugin && SERVICE_SCOPED.has(type)) serviceIds = boundServiceIds(plugin);
    }
    const list = getOrInsert(out, type, () => []);
    if (serviceIds.length === 0) list.push(structuredClone(fields));
    for (const id of serviceIds) list.push({ ...structuredClone(fields), service: { id } });
  }
  return out;
}
