import { ErrorCollector } from '../errors.ts';
import { resolveSettings, type SettingsOverrides, type TranslateSettings } from '../settings.ts';
import { Snapshot } from '../snapshot.ts';
import { translate } from '../translate.ts';
import { attachGatewayRoutes } from './attachment.ts';
import type { GatewayAPIVerdicts } from './verdicts.ts';

/**
 * The Gateway API verdicts alone, without translating anything else: what `translate(...).gatewayAPI` holds for
 * the same objects, at a fraction of the cost (the status job runs it without building a config) unless a
 * BackendTLSPolicy exists (its ancestors are the Gateways of the routes whose Kong services it changes).
 */
export function judgeGatewayAPI(
  objects: readonly unknown[],
  settings: TranslateSettings | SettingsOverrides = {},
): GatewayAPIVerdicts {
  const resolved = resolveSettings(settings);
  const snapshot = new Snapshot(objects, resolved, new ErrorCollector());
  // BackendTLSPolicy verdicts need the Kong services the routes build: only then is the whole translation run.
  if (snapshot.list('BackendTLSPolicy').length > 0) return translate(objects, resolved).gatewayAPI;
  return attachGatewayRoutes(snapshot, new ErrorCollector()).verdicts;
}
