/**
 * The entity types a node knows, in Kong's topological order (parents first), with what the declarative
 * loader needs: primary/endpoint/cache keys, foreign fields, nestable children and shorthand rewrites.
 */

import { pluginCatalogue } from '../plugins/index.ts';
import { type Field, MSG, type Rec, type RecordSchema, record } from '../schema.ts';
import * as t from '../typedefs.ts';
import type { KongEdition, RouterFlavor } from '../types.ts';
import { caCertificates, certificates, snis } from './certificates.ts';
import {
  acls,
  basicauthCredentials,
  consumers,
  hmacauthCredentials,
  jwtSecrets,
  keyauthCredentials,
} from './consumers.ts';
import { oauth2Credentials, oauth2Tokens, vaults } from './oauth2-vaults.ts';
import { routesSchema } from './routes.ts';
import { expandServiceUrl, services } from './services.ts';
import { rewriteUpstreamAlgorithm, targets, upstreamsSchema } from './upstreams.ts';

/** The result of a shorthand rewrite: a rewritten copy of the input entity, and the rewrite's own error. */
export interface Shorthand {
  entity: Rec;
  error?: string | undefined;
}

/** A collection that can be nested in an entity, and the child's field that links back to the parent. */
export interface ChildCollection {
  name: string;
  link: string;
  type: EntityType;
}

/** A `unique` field, with its position among the schema's fields (Kong's final pass checks these). */
export interface UniqueField {
  /**
   * The field is the unique endpoint key and a string: the reference walk already rejected repeats, so the
   * final pass cannot find one.
   */
  checkedAsKey: boolean;
  name: string;
  index: number;
  /** The referenced collection when the field is a foreign key. */
  reference: string | undefined;
}

export interface EntityType {
  /** Collection name (`services`). */
  name: string;
  schema: RecordSchema;
  primaryKey: readonly string[];
  /** The primary key is the single field `id` (every type but the EE consumer-group membership). */
  idIsPrimaryKey: boolean;
  endpointKey?: string;
  endpointKeyUnique: boolean;
  cacheKey?: readonly string[];
  /** `cacheKey` with what a derived id needs from each field's definition. */
  cacheKeyFields?: readonly { name: string; auto: boolean; required: boolean }[];
  /** Foreign field → referenced collection. */
  foreign: ReadonlyMap<string, string>;
  /** `foreign` as a list, for the per-entity loops. */
  foreignList: readonly { field: string; reference: string }[];
  /** Nestable child collection → the child's field that links back to this entity. */
  children: Map<string, string>;
  /** `children` as a list with the child types. */
  childList: readonly ChildCollection[];
  /** Input keys that are not fields but are handled by the loader: nested collections, `_comment`, `_ignore`. */
  loaderKeys: ReadonlySet<string>;
  /** Fields with `unique = true` (checked in Kong's final pass). */
  uniqueFields: readonly string[];
  uniqueList: readonly UniqueField[];
  hasCreatedAt: boolean;
  hasUpdatedAt: boolean;
  /**
   * Every subschema has exactly the base schema's fields in the same order, so a validated record already has
   * the key order of Kong's output and can be emitted as it is.
   */
  emitInPlace: boolean;
  /**
   * Kong's shorthand fields: returns a rewritten copy of the input entity (never mutating it), or undefined
   * when the entity has nothing to rewrite.
   */
  preprocess?: (entity: Rec) => Shorthand | undefined;
}

export interface Registry {
  types: readonly EntityType[];
  byName: ReadonlyMap<string, EntityType>;
}

interface Spec {
  name: string;
  schema: RecordSchema;
  endpointKey?: string;
  cacheKey?: string[];
  primaryKey?: string[];
  preprocess?: (entity: Rec) => Shorthand | undefined;
}

function build(specs: Spec[]): Registry {
  const types = specs.map((s) => {
    const foreign = new Map<string, string>();
    const uniqueFields: string[] = [];
    const uniqueList: UniqueField[] = [];
    s.schema.fields.forEach(([name, field], index) => {
      if (field.type === 'foreign') foreign.set(name, field.reference!);
      if (field.unique) {
        uniqueFields.push(name);
        uniqueList.push({
          name,
          index,
          reference: field.type === 'foreign' ? field.reference : undefined,
          checkedAsKey: name === s.endpointKey && alwaysString(s.schema, name),
        });
      }
    });
    const endpointField = s.endpointKey ? s.schema.byName.get(s.endpointKey) : undefined;
    const primaryKey = s.primaryKey ?? ['id'];
    const type: EntityType = {
      name: s.name,
      schema: s.schema,
      primaryKey,
      idIsPrimaryKey: primaryKey.length === 1 && primaryKey[0] === 'id',
      ...(s.endpointKey ? { endpointKey: s.endpointKey } : {}),
      endpointKeyUnique: endpointField?.unique === true,
      ...(s.cacheKey
        ? {
            cacheKey: s.cacheKey,
            cacheKeyFields: s.cacheKey.map((name) => {
              const field = s.schema.byName.get(name);
              return { name, auto: field?.auto === true, required: field?.required === true };
            }),
          }
        : {}),
      foreign,
      foreignList: [...foreign].map(([field, reference]) => ({ field, reference })),
      children: new Map(),
      childList: [],
      loaderKeys: new Set(),
      uniqueFields,
      uniqueList,
      hasCreatedAt: s.schema.byName.has('created_at'),
      hasUpdatedAt: s.schema.byName.has('updated_at'),
      emitInPlace: sameFieldsEverywhere(s.schema),
      ...(s.preprocess ? { preprocess: s.preprocess } : {}),
    };
    return type;
  });
  const byName = new Map(types.map((ty) => [ty.name, ty]));
  for (const ty of types)
    for (const [field, ref] of ty.foreign) byName.get(ref)?.children.set(ty.name, field);
  for (const ty of types) {
    const childList = [...ty.children].map(([name, link]) => ({ name, link, type: byName.get(name)! }));
    const loaderKeys = new Set(['_comment', '_ignore', ...ty.children.keys()]);
    // The loader takes these keys out of the entity before validating it; a field of the same name would
    // never see its value, so the schemas must not have one.
    for (const schema of [ty.schema, ...(ty.schema.subschemas?.values() ?? [])]) {
      for (const key of loaderKeys)
        if (schema.byName.has(key)) throw new Error(`${ty.name}: field '${key}' clashes with a loader key`);
    }
    Object.assign(ty, { childList, loaderKeys });
  }
  return { types, byName };
}

/** The field is a string in the schema and in every subschema. */
function alwaysString(schema: RecordSchema, name: string): boolean {
  const schemas = [schema, ...(schema.subschemas?.values() ?? [])];
  return schemas.every((sub) => sub.byName.get(name)?.type === 'string');
}

function sameFieldsEverywhere(schema: RecordSchema): boolean {
  for (const sub of schema.subschemas?.values() ?? []) {
    if (sub.names.length !== schema.names.length) return false;
    if (sub.names.some((name, i) => name !== schema.names[i])) return false;
  }
  return true;
}

function pluginsSchema(minor: number, edition: KongEdition): RecordSchema {
  const catalogue = pluginCatalogue(minor, edition);
  const base: [string, Field][] = [
    ['id', t.uuidField],
    // An unknown name is the subschema error below.
    ['name', { type: 'string', required: true }],
    ['instance_name', t.utf8Name],
    ['created_at', t.timestamp],
    ['updated_at', t.timestamp],
    ['route', { type: 'foreign', reference: 'routes' }],
    ['service', { type: 'foreign', reference: 'services' }],
    ['consumer', { type: 'foreign', reference: 'consumers' }],
    ['config', { type: 'any' }],
    ['protocols', { type: 'set', required: true, default: [...t.HTTP_PROTOCOLS], elements: t.protocol }],
    ['enabled', { type: 'boolean', required: true, default: true }],
    ['tags', t.tags],
  ];
  if (edition === 'enterprise')
    base.splice(8, 0, ['consumer_group', { type: 'foreign', reference: 'consumer_groups' }]);
  const subschemas = new Map<string, RecordSchema>();
  for (const [name, def] of catalogue) {
    const overrides = new Map<string, Field>([
      ['config', def.config],
      ['protocols', def.protocols],
    ]);
    if (def.noConsumer)
      overrides.set('consumer', { type: 'foreign', reference: 'consumers', mustBeNull: true });
    subschemas.set(
      name,
      record(
        base.map(([n, f]) => [n, overrides.get(n) ?? f] as const),
        def.checks ?? [],
      ),
    );
  }
  return record(base, [], {
    subschemaKey: 'name',
    subschemas,
    subschemaError: "plugin '%s' not enabled; add it to the 'plugins' configuration property",
  });
}

function pluginShorthands(minor: number, edition: KongEdition): (entity: Rec) => Shorthand | undefined {
  const catalogue = pluginCatalogue(minor, edition);
  return (entity) => {
    const def = typeof entity.name === 'string' ? catalogue.get(entity.name) : undefined;
    if (
      def?.shorthands &&
      entity.config &&
      typeof entity.config === 'object' &&
      !Array.isArray(entity.config)
    ) {
      const config = { ...(entity.config as Rec) };
      def.shorthands(config);
      return { entity: { ...entity, config } };
    }
    return undefined;
  };
}

const consumerGroups = record([
  ['id', t.uuidField],
  ['created_at', t.timestamp],
  ['updated_at', t.timestamp],
  ['name', { type: 'string', required: true, unique: true }],
  ['tags', t.tags],
]);

const consumerGroupConsumers = record([
  ['created_at', t.timestamp],
  ['consumer_group', { type: 'foreign', reference: 'consumer_groups', required: true }],
  ['consumer', { type: 'foreign', reference: 'consumers', required: true }],
]);

const degraphqlRoutes = record([
  ['id', t.uuidField],
  ['service', { type: 'foreign', reference: 'services' }],
  [
    'methods',
    {
      type: 'set',
      default: ['GET'],
      elements: { type: 'string', oneOf: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
    },
  ],
  ['uri', { type: 'string', required: true }],
  ['query', { type: 'string', required: true }],
  ['created_at', t.timestamp],
  ['updated_at', t.timestamp],
]);

const cache = new Map<string, Registry>();

/** The registry of a node; memoized per version minor, flavor and edition. */
export function registryFor(minor: number, flavor: RouterFlavor, edition: KongEdition): Registry {
  const key = `${minor}/${flavor}/${edition}`;
  let registry = cache.get(key);
  if (registry) return registry;
  const specs: Spec[] = [
    { name: 'vaults', schema: vaults, endpointKey: 'prefix', cacheKey: ['prefix'] },
    { name: 'certificates', schema: certificates },
    { name: 'ca_certificates', schema: caCertificates },
    { name: 'consumers', schema: consumers, endpointKey: 'username' },
    ...(edition === 'enterprise'
      ? [{ name: 'consumer_groups', schema: consumerGroups, endpointKey: 'name' }]
      : []),
    { name: 'services', schema: services, endpointKey: 'name', preprocess: expandServiceUrl },
    { name: 'routes', schema: routesSchema(flavor, minor), endpointKey: 'name' },
    {
      name: 'upstreams',
      schema: upstreamsSchema(minor),
      endpointKey: 'name',
      preprocess: (input: Rec) => rewriteUpstreamAlgorithm(input, minor),
    },
    { name: 'targets', schema: targets, endpointKey: 'target', cacheKey: ['upstream', 'target'] },
    { name: 'snis', schema: snis, endpointKey: 'name' },
    {
      name: 'plugins',
      schema: pluginsSchema(minor, edition),
      endpointKey: 'instance_name',
      cacheKey: ['name', 'route', 'service', 'consumer'],
      preprocess: pluginShorthands(minor, edition),
    },
    { name: 'keyauth_credentials', schema: keyauthCredentials, endpointKey: 'key', cacheKey: ['key'] },
    {
      name: 'basicauth_credentials',
      schema: basicauthCredentials,
      endpointKey: 'username',
      cacheKey: ['username'],
    },
    { name: 'acls', schema: acls, cacheKey: ['consumer', 'group'] },
    { name: 'jwt_secrets', schema: jwtSecrets, endpointKey: 'key', cacheKey: ['key'] },
    {
      name: 'hmacauth_credentials',
      schema: hmacauthCredentials,
      endpointKey: 'username',
      cacheKey: ['username'],
    },
    {
      name: 'oauth2_credentials',
      schema: oauth2Credentials,
      endpointKey: 'client_id',
      cacheKey: ['client_id'],
    },
    {
      name: 'oauth2_tokens',
      schema: oauth2Tokens,
      endpointKey: 'access_token',
      cacheKey: ['access_token'],
    },
    ...(edition === 'enterprise'
      ? [
          {
            name: 'consumer_group_consumers',
            schema: consumerGroupConsumers,
            primaryKey: ['consumer_group', 'consumer'],
          },
          { name: 'degraphql_routes', schema: degraphqlRoutes },
        ]
      : []),
  ];
  registry = build(specs);
  cache.set(key, registry);
  return registry;
}

export { MSG };
