import { parse } from 'yaml';
import { objectKey } from '../../domain/object-ref.ts';
import { buildWithFallback, parseSettings, parseYamlObjects } from '../../kong/translate/index.ts';
import { type ConformanceVariant, read } from './cases.ts';
import { compareConfigs, type Diff } from './compare.ts';

/** Objects the upstream mock Kong rejects in KIC's fallback cases (conformance README §5.2.4). */
const BROKEN_ANNOTATION = 'test.konghq.com/broken';

export interface VariantOutcome {
  case: string;
  variant: string;
  status: 'PASS' | 'FAIL' | 'ERROR';
  reason?: string;
  diffs?: Diff[];
  translationErrors?: string[];
  durationMs: number;
}

/**
 * Runs one case/variant: load `in.yaml` like the upstream harness, apply the variant's feature flags, feed the
 * broken objects as the exclusion set, build with fallback (validated; `-ee` cases against the enterprise
 * schemas, as upstream replays them on Kong Enterprise) and compare with the golden as data.
 */
export function runVariant(v: ConformanceVariant): VariantOutcome {
  const started = performance.now();
  try {
    const objects = parseYamlObjects(read(v.input));
    // KIC's goldens feed its translator's store directly, past its Gateway API controllers, which is where KIC
    // decides attachment; the goldens' routes name Gateways that are not in the input.
    const settings = {
      ...parseSettings(v.settings ? read(v.settings) : ''),
      gatewayAttachment: 'unfiltered' as const,
    };
    const broken = objects.flatMap((o) => {
      const { apiVersion, kind, metadata } = o as {
        apiVersion?: string;
        kind?: string;
        metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
      };
      if (metadata?.annotations?.[BROKEN_ANNOTATION] !== 'true') return [];
      const group = apiVersion?.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      return [
        objectKey({
          kind: kind ?? '',
          group,
          namespace: metadata.namespace ?? '',
          name: metadata.name ?? '',
        }),
      ];
    });
    const edition = v.caseName.endsWith('-ee') ? 'enterprise' : 'community';
    const result = buildWithFallback(objects, { settings, exclude: broken, validation: { edition } });
    const diffs = compareConfigs(parse(read(v.golden)), JSON.parse(JSON.stringify(result.config)));
    const outcome: VariantOutcome = {
      case: v.caseName,
      variant: v.variant,
      status: diffs.length === 0 ? 'PASS' : 'FAIL',
      durationMs: performance.now() - started,
      translationErrors: result.errors.map(
        (e) => `${e.object.kind} ${e.object.namespace ?? ''}/${e.object.name}: ${e.reason}`,
      ),
    };
    if (result.valid === false) {
      outcome.status = 'FAIL';
      outcome.reason = `local validation failed: ${result.validationError?.message.slice(0, 300)}`;
    }
    if (diffs.length > 0) outcome.diffs = diffs;
    return outcome;
  } catch (err) {
    return {
      case: v.caseName,
      variant: v.variant,
      status: 'ERROR',
      reason: (err as Error).stack ?? String(err),
      durationMs: performance.now() - started,
    };
  }
}
