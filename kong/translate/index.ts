/**
 * kong-fleet's translator: Kubernetes objects → Kong declarative config (format 3.0), KIC-compatible.
 *
 * - `translate(objects, settings)` — the pure core.
 * - `buildWithFallback(objects, options)` — translate, validate, drop what Kong (or the local validator) rejects
 *   together with its dependants, translate again.
 * - `parseSettings(yaml)` — the fixtures' `feature_flags:` format, shared by the CLI and the controller.
 */
export type { ObjectError } from './errors.ts';
export { formatObjectError } from './errors.ts';
export type { ExcludedObject, FallbackOptions, FallbackResult, ValidatorProfile } from './fallback.ts';
export { buildWithFallback, refFromTags } from './fallback.ts';
export { judgeGatewayAPI } from './gateway-api/judge.ts';
export type {
  BackendTLSPolicyVerdict,
  ConditionVerdict,
  GatewayAPIVerdicts,
  GatewayClassVerdict,
  GatewayVerdict,
  ListenerVerdict,
  ParentRefVerdict,
  PolicyAncestorVerdict,
  RouteGroupKind,
  RouteParentVerdict,
  RouteVerdict,
} from './gateway-api/verdicts.ts';
export { SUPPORTED_FEATURES } from './gateway-api/verdicts.ts';
export type { IncrementalBuild } from './incremental.ts';
export { IncrementalBuilder } from './incremental.ts';
export type { ObjectRef } from './k8s-object.ts';
export type {
  FeatureFlags,
  GatewayAttachmentMode,
  SettingsOverrides,
  TranslateSettings,
} from './settings.ts';
export {
  DEFAULT_FEATURE_FLAGS,
  DEFAULT_SETTINGS,
  KIC_GATEWAY_CONTROLLER,
  KONG_FLEET_GATEWAY_CONTROLLER,
  parseSettings,
  resolveSettings,
  SettingsError,
} from './settings.ts';
export type { TranslateResult } from './translate.ts';
export { translate } from './translate.ts';
export { parseYamlObjects, withDefaultNamespace, YamlInputError } from './yaml-input.ts';
