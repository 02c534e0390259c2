import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { parse } from 'yaml';
import type { ProxyEndpoint } from '../domain/proxy.ts';
import { type ConfigDiff, diffConfigs, fromExport, fromFlattenedEntities } from '../kong/config-diff.ts';
import type { PipelineDeps } from './ports.ts';

/** Processed entities of the last build diffed against, keyed by its hash (one build at a time is enough). */
let cached: { hash: string; entities: ReturnType<typeof fromFlattenedEntities> } | undefined;

/**
 * The desired build against what one proxy runs (its `GET /config`), entity by entity. The desired
 * side goes through the same validator the proxy runs, so both sides carry the same defaults.
 */
export async function diffProxy(
  deps: Pick<PipelineDeps, 'admin' | 'builds' | 'translateSettings'>,
  proxy: ProxyEndpoint,
  desiredHash: string,
  signal?: AbortSignal,
): Promise<ConfigDiff> {
  const read = await deps.admin.readConfig(proxy, { signal });
  if (read.kind === 'failed') throw new Error(`GET /config: ${read.description}`);
  const actual = fromExport((parse(read.value) ?? {}) as Record<string, unknown>);
  return diffConfigs(await desiredEntities(deps, desiredHash), actual);
}

async function desiredEntities(deps: Pick<PipelineDeps, 'builds' | 'translateSettings'>, hash: string) {
  if (cached?.hash === hash) return cached.entities;
  const text = await deps.builds.text(hash);
  if (text === null) throw new Error(`build ${hash} is no longer stored`);
  const { kongVersion, featureFlags } = deps.translateSettings;
  let counter = 0;
  const result = validateDeclarativeConfig(JSON.parse(text), {
    kongVersion,
    routerFlavor: featureFlags.ExpressionRoutes ? 'expressions' : 'traditional_compatible',
    now: () => 0,
    randomUuid: () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`,
  });
  if (!result.ok) throw new Error(`build ${hash} does not validate: ${result.error.message.slice(0, 200)}`);
  cached = { hash, entities: fromFlattenedEntities(result.entities) };
  return cached.entities;
}
