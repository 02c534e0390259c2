/**
 * The loaded config indexed for traffic: what the data plane looks up per request (services by id, upstreams
 * by name, credentials by key, …), built once per `POST /config` from the flattened entities the node keeps.
 */
import type { FlattenedEntities, KongEntity, RouterFlavor } from '../../validate/index.ts';
import { compileRouter, type Router } from './router/index.ts';

export interface CompiledConfig {
  readonly services: ReadonlyMap<string, KongEntity>;
  readonly upstreamsByName: ReadonlyMap<string, KongEntity>;
  /** Targets of each upstream (by upstream id), in config order. */
  readonly targetsByUpstream: ReadonlyMap<string, KongEntity[]>;
  readonly consumers: ReadonlyMap<string, KongEntity>;
  /** Consumers by `username` and by `custom_id`, for a plugin's `anonymous` (an id or a username). */
  readonly consumersByName: ReadonlyMap<string, KongEntity>;
  readonly keyauthByKey: ReadonlyMap<string, KongEntity>;
  readonly basicauthByUsername: ReadonlyMap<string, KongEntity>;
  /** ACL groups of each consumer id. */
  readonly aclGroups: ReadonlyMap<string, string[]>;
  /** Enabled plugins only. */
  readonly plugins: readonly KongEntity[];
  readonly router: Router;
}

/** The id of a foreign key as the flattened entities hold it (`{ id }` or null). */
export function refId(value: unknown): string | undefined {
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return undefined;
}

const compiled = new WeakMap<FlattenedEntities, CompiledConfig>();

/** Compiles once per loaded config (the node replaces its entities object on every load). */
export function compileConfig(entities: FlattenedEntities, flavor: RouterFlavor): CompiledConfig {
  const cached = compiled.get(entities);
  if (cached) return cached;
  const all = (collection: string) => Object.values(entities[collection] ?? {});
  const byId = (collection: string) => new Map(all(collection).map((e) => [String(e.id), e]));
  const consumers = byId('consumers');
  const consumersByName = new Map<string, KongEntity>();
  for (const consumer of consumers.values()) {
    if (typeof consumer.custom_id === 'string') consumersByName.set(consumer.custom_id, consumer);
    if (typeof consumer.username === 'string') consumersByName.set(consumer.username, consumer);
  }
  const targetsByUpstream = new Map<string, KongEntity[]>();
  for (const target of all('targets')) {
    const upstream = refId(target.upstream);
    if (!upstream) continue;
    const list = targetsByUpstream.get(upstream) ?? [];
    list.push(target);
    targetsByUpstream.set(upstream, list);
  }
  const aclGroups = new Map<string, string[]>();
  for (const acl of all('acls')) {
    const consumer = refId(acl.consumer);
    if (!consumer) continue;
    aclGroups.set(consumer, [...(aclGroups.get(consumer) ?? []), String(acl.group)]);
  }
  const services = byId('services');
  const result: CompiledConfig = {
    services,
    upstreamsByName: new Map(all('upstreams').map((u) => [String(u.name), u])),
    targetsByUpstream,
    consumers,
    consumersByName,
    keyauthByKey: new Map(all('keyauth_credentials').map((c) => [String(c.key), c])),
    basicauthByUsername: new Map(all('basicauth_credentials').map((c) => [String(c.username), c])),
    aclGroups,
    plugins: all('plugins').filter((p) => p.enabled !== false),
    // A route whose service is disabled is not routable (Kong leaves it out of the router).
    router: compileRouter(
      all('routes').filter((r) => {
        const service = refId(r.service);
        return !service || services.get(service)?.enabled !== false;
      }),
      flavor,
    ),
  };
  compiled.set(entities, result);
  return result;
}
