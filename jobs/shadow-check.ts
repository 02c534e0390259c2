import {
  decideFleetMode,
  type FleetModeRecord,
  type FleetModeSpec,
  modeInForce,
  type ShadowProxyEntry,
  type ShadowReport,
} from '../domain/shadow.ts';
import { firstDifferences } from '../kong/config-diff.ts';
import { mapLimit } from '../lib/map-limit.ts';
import type { PipelineDeps } from './ports.ts';
import { diffProxy } from './proxy-diff.ts';
import { pushEveryProxy } from './push.ts';

const CHECK_CONCURRENCY = 20;
const STATUS_TIMEOUT_MS = 3000;
/** Differences named per proxy (condition messages stay short). */
const FIRST_DIFFERENCES = 5;

type ShadowDeps = Pick<
  PipelineDeps,
  'admin' | 'builds' | 'translateSettings' | 'registry' | 'shadow' | 'fleet' | 'producer'
>;

/**
 * Shadow mode, then takeover, once per drift interval (called by the drift check): while the fleet is in
 * shadow (or a takeover is pending), compares what every proxy runs with what kong-fleet would push; then
 * decides the mode (domain/shadow.ts) and, on a takeover, asks every proxy to converge at once.
 */
export async function shadowAndTakeover(
  deps: ShadowDeps,
  signal: AbortSignal,
  log: { info(obj: object, msg: string): void },
): Promise<{ record: FleetModeRecord; report?: ShadowReport }> {
  // Fresh: with several replicas, another one's cached spec may predate a handback by seconds.
  const [spec, recorded] = await Promise.all([deps.fleet.modeSpec({ fresh: true }), deps.shadow.mode()]);
  const report = modeInForce(spec, recorded) === 'shadow' ? await shadowCheck(deps, signal) : undefined;
  const record = await settleFleetMode(deps, spec, recorded, report);
  if (record !== recorded && record.mode !== recorded?.mode) {
    log.info({ mode: record.mode, reason: record.reason }, 'fleet mode changed');
    if (record.mode === 'active' && recorded?.mode === 'shadow') await pushEveryProxy(deps);
  }
  return { record, ...(report ? { report } : {}) };
}

async function settleFleetMode(
  deps: ShadowDeps,
  spec: FleetModeSpec,
  recorded: FleetModeRecord | null,
  report: ShadowReport | undefined,
): Promise<FleetModeRecord> {
  const latest = report ?? (await deps.shadow.report());
  const desired = await deps.builds.desired();
  const record = decideFleetMode(spec, recorded, latest, desired?.hash ?? null, new Date());
  if (JSON.stringify(record) !== JSON.stringify(recorded)) await deps.shadow.recordMode(record);
  return record;
}

/**
 * Every proxy against the desired build, entity by entity and id by id. Proxies reporting the same
 * configuration_hash run the same config, so one of them is read (`GET /config`) per hash.
 */
export async function shadowCheck(deps: ShadowDeps, signal: AbortSignal): Promise<ShadowReport> {
  const [desired, proxies] = await Promise.all([deps.builds.desired(), deps.registry.list()]);
  const at = new Date().toISOString();
  if (!desired) {
    const report = {
      at,
      desiredHash: null,
      clean: false,
      summary: 'no configuration built yet',
      proxies: [],
    };
    await deps.shadow.recordReport(report);
    return report;
  }
  const hashes = await mapLimit(proxies, CHECK_CONCURRENCY, async (proxy) => {
    const read = await deps.admin.readStatus(proxy, { signal, floorMs: STATUS_TIMEOUT_MS });
    return read.kind === 'failed'
      ? { proxy, hash: null, error: `GET /status: ${read.description}` }
      : { proxy, hash: read.value.configurationHash };
  });
  const byHash = new Map<string, Promise<Omit<ShadowProxyEntry, 'proxy' | 'actualHash'>>>();
  const entries = await mapLimit(hashes, CHECK_CONCURRENCY, async ({ proxy, hash, error }) => {
    if (hash === null) {
      return {
        proxy: proxy.id,
        actualHash: null,
        clean: false,
        added: 0,
        changed: 0,
        removed: 0,
        first: [],
        error,
      };
    }
    let verdict = byHash.get(hash);
    if (!verdict) {
      verdict = compare(deps, proxy, desired.hash, hash, signal);
      byHash.set(hash, verdict);
    }
    return { proxy: proxy.id, actualHash: hash, ...(await verdict) };
  });
  const differing = entries.filter((entry) => !entry.clean);
  const clean = entries.length > 0 && differing.length === 0;
  const summary =
    entries.length === 0
      ? 'no proxies known yet'
      : clean
        ? `${entries.length}/${entries.length} proxies run what kong-fleet would push (hash ${desired.hash})`
        : `${differing.length}/${entries.length} proxies differ from hash ${desired.hash}: ${describeGroups(differing)}`.slice(
            0,
            1000,
          );
  const report: ShadowReport = { at, desiredHash: desired.hash, clean, summary, proxies: entries };
  await deps.shadow.recordReport(report);
  return report;
}

/** Proxies with the same differences named once: `a, b: ~ services x (retries) | c: GET /status: …`. */
function describeGroups(entries: readonly ShadowProxyEntry[]): string {
  const groups = new Map<string, string[]>();
  for (const entry of entries) {
    const what = entry.error ?? entry.first.join('; ');
    groups.set(what, [...(groups.get(what) ?? []), entry.proxy]);
  }
  return [...groups]
    .slice(0, 3)
    .map(
      ([what, proxies]) =>
        `${proxies.slice(0, 3).join(', ')}${proxies.length > 3 ? ` (+${proxies.length - 3})` : ''}: ${what}`,
    )
    .join(' | ');
}

async function compare(
  deps: ShadowDeps,
  proxy: Parameters<typeof diffProxy>[1],
  desiredHash: string,
  actualHash: string,
  signal: AbortSignal,
): Promise<Omit<ShadowProxyEntry, 'proxy' | 'actualHash'>> {
  // The same hash is the same config, ids included: nothing to read.
  if (actualHash === desiredHash) return { clean: true, added: 0, changed: 0, removed: 0, first: [] };
  try {
    const diff = await diffProxy(deps, proxy, desiredHash, signal, { compareIds: true });
    const counts = { added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length };
    return {
      clean: counts.added + counts.changed + counts.removed === 0,
      ...counts,
      first: firstDifferences(diff, FIRST_DIFFERENCES),
    };
  } catch (err) {
    return { clean: false, added: 0, changed: 0, removed: 0, first: [], error: (err as Error).message };
  }
}
