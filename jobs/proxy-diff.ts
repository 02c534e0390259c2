import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { parse } from 'yaml';
import type { ProxyEndpoint } from '../domain/proxy.ts';
import { type ConfigDiff, diffConfigs, fromExport, fromFlattenedEntities } from '../kong/config-diff.ts';
import { REDACTED } from '../kong/redact-config.ts';
import { SecretRedactor } from '../kong/redact-secrets.ts';
import type { PipelineDeps } from './ports.ts';

/** Processed entities of the last build diffed against, keyed by its hash (one build at a time is enough). */
let cached:
  | { hash: string; entities: ReturnType<typeof fromFlattenedEntities>; redactor: SecretRedactor }
  | undefined;

/**
 * The desired build against what one proxy runs (its `GET /config`), entity by entity. The desired
 * side goes through the same validator the proxy runs, so both sides carry the same defaults.
 */
export async function diffProxy(
  deps: Pick<PipelineDeps, 'admin' | 'builds' | 'translateSettings'>,
  proxy: ProxyEndpoint,
  desiredHash: string,
  signal?: AbortSignal,
  { compareIds = false }: { compareIds?: boolean } = {},
): Promise<ConfigDiff> {
  const read = await deps.admin.readConfig(proxy, { signal });
  if (read.kind === 'failed') throw new Error(`GET /config: ${read.description}`);
  const actual = fromExport((parse(read.value) ?? {}) as Record<string, unknown>);
  const { entities, redactor } = await desiredEntities(deps, desiredHash);
  const options = compareIds ? { compareIds: { generated: isGeneratedId } } : {};
  return redactDiff(diffConfigs(entities, actual, options), redactor);
}

/**
 * Secret-sourced values out of a diff: in entity keys (a credential's username), in desired values,
 * and on the proxy's side of any field whose desired value holds one (the proxy may still run the
 * Secret's previous value, which the redactor does not know).
 */
function redactDiff(diff: ConfigDiff, redactor: SecretRedactor): ConfigDiff {
  if (redactor.size === 0) return diff;
  const entry = (change: ConfigDiff['added'][number]) => ({
    ...change,
    key: redactor.redactText(change.key),
    ...(change.fields
      ? {
          fields: change.fields.map(({ field, desired, actual }) => {
            const shown = redactor.redact(desired);
            const secret = JSON.stringify(shown) !== JSON.stringify(desired);
            return { field, desired: shown, actual: secret ? REDACTED : redactor.redact(actual) };
          }),
        }
      : {}),
  });
  return { added: diff.added.map(entry), removed: diff.removed.map(entry), changed: diff.changed.map(entry) };
}

/** Ids the local validation makes up for entities Kong gives random ids (never compared). */
const GENERATED_ID_PREFIX = '00000000-0000-4000-8000-';
const isGeneratedId = (id: string) => id.startsWith(GENERATED_ID_PREFIX);

async function desiredEntities(deps: Pick<PipelineDeps, 'builds' | 'translateSettings'>, hash: string) {
  if (cached?.hash === hash) return cached;
  const [text, record] = await Promise.all([deps.builds.text(hash), deps.builds.record(hash)]);
  if (text === null) throw new Error(`build ${hash} is no longer stored`);
  const { kongVersion, featureFlags } = deps.translateSettings;
  let counter = 0;
  const result = validateDeclarativeConfig(JSON.parse(text), {
    kongVersion,
    routerFlavor: featureFlags.ExpressionRoutes ? 'expressions' : 'traditional_compatible',
    now: () => 0,
    randomUuid: () => `${GENERATED_ID_PREFIX}${(++counter).toString(16).padStart(12, '0')}`,
  });
  if (!result.ok) throw new Error(`build ${hash} does not validate: ${result.error.message.slice(0, 200)}`);
  const config: unknown = JSON.parse(text);
  cached = {
    hash,
    entities: fromFlattenedEntities(result.entities),
    redactor: SecretRedactor.forConfig(config, record?.secretPaths),
  };
  return cached;
}
