import { ErrorCollector } from '../errors.ts';
import { resolveSettings, type SettingsOverrides, type TranslateSettings } from '../settings.ts';
import { Snapshot } from '../snapshot.ts';
import { attachGatewayRoutes } from './attachment.ts';
import type { GatewayAPIVerdicts } from './verdicts.ts';

/**
 * The Gateway API verdicts alone, without translating anything else: what `translate(...).gatewayAPI` holds for
 * the same objects, at a fraction of the cost (the status job runs it without building a config).
 */
export function judgeGatewayAPI(
  objects: readonly unknown[],
  settings: TranslateSettings | SettingsOverrides = {},
): GatewayAPIVerdicts {
  const snapshot = new Snapshot(objects, resolveSettings(settings), new ErrorCollector());
  return attachGatewayRoutes(snapshot, new ErrorCollector()).verdicts;
}
