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
import { routesSchema } from './routes.ts';
import { expandServiceUrl, services } from './services.ts';
import { rewriteUpstreamAlgorithm, targets, upstreams } from './upstreams.ts';

export interface EntityType {
  /** Collection name (`services`). */
  name: string;
  schema: RecordSchema;
  primaryKey: readonly string[];
  endpointKey?: string;
  endpointKeyUnique: boolean;
  cacheKey?: readonly string[];
  /** Foreign field → referenced collection. */
  foreign: ReadonlyMap<string, string>;
  /** Nestable child collection → the child's field that links back to this entity. */
  children: Map<string, string>;
  /** Fields with `unique = true` (checked in Kong's final pass). */
  uniqueFields: readonly string[];
  /** Rewrites applied to a copy of the raw entity before validation (Kong's shorthand fields). */
  preprocess?: (entity: Rec) => string | undefined;
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
  preprocess?: (entity: Rec) => string | undefined;
}

function build(specs: Spec[]): Registry {
  const types: EntityType[] = specs.map((s) => {
    const foreign = new Map<string, string>();
    const uniqueFields: string[] = [];
    for (const [name, field] of s.schema.fields) {
      if (field.type === 'foreign') foreign.set(name, field.reference!);
      if (field.unique) uniqueFields.push(name);
    }
    const endpointField = s.endpointKey ? s.schema.byName.get(s.endpointKey) : undefined;
    return {
      name: s.name,
      schema: s.schema,
      primaryKey: s.primaryKey ?? ['id'],
      ...(s.endpointKey ? { endpointKey: s.endpointKey } : {}),
      endpointKeyUnique: endpointField?.unique === true,
      ...(s.cacheKey ? { cacheKey: s.cacheKey } : {}),
      foreign,
      children: new Map(),
      uniqueFields,
      ...(s.preprocess ? { preprocess: s.preprocess } : {}),
    };
  });
  const byName = new Map(types.map((ty) => [ty.name, ty]));
  for (const ty of types)
    for (const [field, ref] of ty.foreign) byName.get(ref)?.children.set(ty.name, field);
  return { types, byName };
}

function pluginsSchema(minor: number, edition: KongEdition): RecordSchema {
  const catalogue = pluginCatalogue(minor, edition);
  const base: [string, Field][] = [
    ['id', t.uuidField],
    [
      'name',
      {
        type: 'string',
        required: true,
        custom: (v: string) =>
          catalogue.has(v)
            ? undefined
            : `plugin '${v}' not enabled; add it to the 'plugins' configuration property`,
      },
    ],
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
  return record(base, [], { subschemaKey: 'name', subschemas });
}

function pluginShorthands(minor: number, edition: KongEdition): (entity: Rec) => undefined {
  const catalogue = pluginCatalogue(minor, edition);
  return (entity) => {
    const def = typeof entity.name === 'string' ? catalogue.get(entity.name) : undefined;
    if (
      def?.shorthands &&
      entity.config &&
      typeof entity.config === 'object' &&
      !Array.isArray(entity.config)
    ) {
      entity.config = { ...(entity.config as Rec) };
      def.shorthands(entity.config as Rec);
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
    { name: 'certificates', schema: certificates },
    { name: 'ca_certificates', schema: caCertificates },
    { name: 'consumers', schema: consumers, endpointKey: 'username' },
    ...(edition === 'enterprise'
      ? [{ name: 'consumer_groups', schema: consumerGroups, endpointKey: 'name' }]
      : []),
    { name: 'services', schema: services, endpointKey: 'name', preprocess: expandServiceUrl },
    { name: 'routes', schema: routesSchema(flavor), endpointKey: 'name' },
    {
      name: 'upstreams',
      schema: upstreams,
      endpointKey: 'name',
      preprocess: (e) => {
        rewriteUpstreamAlgorithm(e);
        return undefined;
      },
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
