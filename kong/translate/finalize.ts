import { kongEntityId } from '@kong-fleet/kong-dbless';
import type {
  KongConsumerEntity,
  KongDeclarativeConfig,
  KongPluginEntity,
  KongRouteEntity,
  KongServiceEntity,
} from '../declarative.ts';

/** Go's byte-wise string order (identical to UTF-16 order for the ASCII names Kong entities use). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const desc =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    compareStrings(key(b), key(a));

/** KIC's `KongState.FillIDs` (go-kong `FillID`): UUIDv5 of the entity's natural key in its collection namespace. */
export function fillIds(config: KongDeclarativeConfig): void {
  for (const service of config.services ?? []) {
    service.id = kongEntityId('services', service.name);
    for (const route of service.routes ?? []) route.id = kongEntityId('routes', route.name);
  }
  for (const consumer of config.consumers ?? []) {
    if (consumer.username) consumer.id = kongEntityId('consumers', consumer.username);
  }
  for (const group of config.consumer_groups ?? []) group.id = kongEntityId('consumergroups', group.name);
  for (const vault of config.vaults ?? []) vault.id = kongEntityId('vaults', vault.prefix);
  for (const plugin of config.plugins ?? []) plugin.id = kongEntityId('plugins', pluginIdKey(plugin));
}

function pluginIdKey(p: KongPluginEntity): string {
  let key = p.name;
  if (p.service) key += `:service/${p.service}`;
  if (p.route) key += `:route/${p.route}`;
  if (p.consumer) key += `:consumer/${p.consumer}`;
  if (p.consumer_group) key += `:consumer_group/${p.consumer_group}`;
  return key;
}

/** decK's defaults, which KIC's goldens show: route redirect code and path handling, upstream algorithm. */
export function fillDefaults(config: KongDeclarativeConfig, expressionRoutes: boolean): void {
  for (const service of config.services ?? []) {
    for (const route of service.routes ?? []) {
      route.https_redirect_status_code ??= 426;
      if (!expressionRoutes) route.path_handling ??= 'v0';
    }
  }
  for (const upstream of config.upstreams ?? []) upstream.algorithm ??= 'round-robin';
}

/** decK's ordering (`file.Content` sort), so the emitted text is stable and matches KIC's entity order. */
export function sortEntities(config: KongDeclarativeConfig): void {
  sortNestedEntities(config);
  sortCollections(config);
}

/** The order inside each entity (a service's routes and plugins, an upstream's targets…). */
export function sortNestedEntities(config: KongDeclarativeConfig): void {
  for (const service of config.services ?? []) {
    service.routes?.sort(desc((r: KongRouteEntity) => r.name));
    service.plugins?.sort(desc((p: KongPluginEntity) => p.name));
    for (const route of service.routes ?? []) route.plugins?.sort(desc((p: KongPluginEntity) => p.name));
  }
  for (const upstream of config.upstreams ?? []) upstream.targets?.sort(desc((t) => t.target));
}

type Comparator = (a: never, b: never) => number;

/** decK's order of each top-level collection (consumer_group_consumers follow their consumers, below). */
const COLLECTION_ORDER: ReadonlyArray<readonly [string, Comparator]> = [
  ['services', desc((s: KongServiceEntity) => s.name)],
  ['upstreams', desc((u: { name: string }) => u.name)],
  ['certificates', desc((c: { cert: string }) => c.cert)],
  ['ca_certificates', desc((c: { cert: string }) => c.cert)],
  ['consumer_groups', desc((g: { name: string }) => g.name)],
  ['vaults', desc((v: { prefix: string }) => v.prefix)],
  [
    'plugins',
    desc(
      (p: KongPluginEntity) =>
        `${p.name}${p.consumer ?? ''}${p.consumer_group ?? ''}${p.route ?? ''}${p.service ?? ''}`,
    ),
  ],
  ['consumers', compareConsumers],
];

/**
 * The order of the top-level collections. Returns false when two entities of one collection compare equal: their
 * order is then the order they were given in (the sort is stable), which a config assembled from separately
 * translated parts cannot promise to share with a whole build (kong/translate/partitioned.ts falls back then).
 */
export function sortCollections(config: KongDeclarativeConfig): boolean {
  let strict = true;
  for (const [key, compare] of COLLECTION_ORDER) {
    const list = config[key] as never[] | undefined;
    if (!list) continue;
    list.sort(compare);
    for (let i = 1; i < list.length && strict; i++) if (compare(list[i - 1]!, list[i]!) === 0) strict = false;
  }
  if (config.consumers && config.consumer_group_consumers) {
    const order = new Map(config.consumers.map((c, i) => [c.username ?? c.custom_id ?? '', i]));
    const groupOrder = new Map(config.consumer_group_consumers.map((m, i) => [m, i]));
    config.consumer_group_consumers.sort(
      (a, b) =>
        (order.get(a.consumer) ?? 0) - (order.get(b.consumer) ?? 0) ||
        groupOrder.get(a)! - groupOrder.get(b)!,
    );
  }
  return strict;
}

/** Ascending by username (absent first), then custom_id. */
function compareConsumers(a: KongConsumerEntity, b: KongConsumerEntity): number {
  if (a.username === undefined && b.username !== undefined) return -1;
  if (a.username !== undefined && b.username === undefined) return 1;
  return (
    compareStrings(a.username ?? '', b.username ?? '') || compareStrings(a.custom_id ?? '', b.custom_id ?? '')
  );
}

/** True when the config holds no entity at all. */
export function isEmptyConfig(config: KongDeclarativeConfig): boolean {
  return Object.entries(config).every(
    ([k, v]) => k === '_format_version' || !Array.isArray(v) || v.length === 0,
  );
}

/** DB-less Kong only reports ready once it holds a config; KIC sends this stub when nothing translated. */
export function stubConfig(): KongDeclarativeConfig {
  return { _format_version: '3.0', upstreams: [{ name: 'kong' }] };
}
