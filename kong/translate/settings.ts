import { parse } from 'yaml';
import { isRecord } from './k8s-object.ts';

/**
 * KIC's translator feature flags, by KIC's own names (`translator.FeatureFlags`), so the conformance fixtures'
 * `feature_flags:` files and a KIC user's settings carry over unchanged.
 */
export interface FeatureFlags {
  /** Emit expression-router routes (`expression` + `priority`) instead of traditional ones. @defaultValue false */
  ExpressionRoutes: boolean;
  /** Accept KongServiceFacade as an Ingress backend (incubator). @defaultValue false */
  KongServiceFacade: boolean;
  /** Deterministic UUIDv5 IDs for services, routes, consumers, consumer groups, vaults and plugins. @defaultValue true */
  FillIDs: boolean;
  /** Translate the `konghq.com/rewrite` Ingress annotation. @defaultValue false */
  RewriteURIs: boolean;
  /** Translate KongCustomEntity objects. @defaultValue true */
  KongCustomEntity: boolean;
  /** Kong Enterprise features (accepted for compatibility; changes nothing in the emitted config). @defaultValue false */
  EnterpriseEdition: boolean;
  /** One Kong service for HTTPRoute rules with the same backends across the HTTPRoutes of a namespace (KIC's flag; on in Kong Operator). @defaultValue false */
  CombinedServicesFromDifferentHTTPRoutes: boolean;
  /** Use the `redirect` plugin for HTTPRoute RequestRedirect (accepted; not used). @defaultValue false */
  SupportRedirectPlugin: boolean;
  /** KIC status reporting toggle (accepted; no effect on the config). @defaultValue false */
  ReportConfiguredKubernetesObjects: boolean;
}

export interface TranslateSettings {
  /** Ingress class this controller serves. @defaultValue 'kong' */
  ingressClass: string;
  featureFlags: FeatureFlags;
  /** Kong Gateway version the config is built for. @defaultValue '3.9.1' */
  kongVersion: string;
  /**
   * GatewayClass `controllerName`s this controller owns: their Gateways and the routes attached to them are
   * translated, everything else is left alone. @defaultValue KIC's name, then kong-fleet's own
   */
  gatewayControllerNames: readonly string[];
  /**
   * `spec`: only routes attached to our Gateways (Gateway API attachment rules) are translated. `unfiltered`:
   * every route is, as KIC's translator sees its store (KIC's golden tests). @defaultValue 'spec'
   */
  gatewayAttachment: GatewayAttachmentMode;
  /**
   * KIC's `--enable-drain-support`: terminating endpoints stay targets with weight 0, so their open connections
   * finish instead of being cut (Kong Operator turns it on). @defaultValue false
   */
  enableDrainSupport: boolean;
  /**
   * Two Ingresses of different namespaces with the same host+path: `oldest-wins` serves the oldest (then
   * namespace/name) and leaves the other out with a Warning; `allow` translates both, as KIC does.
   * @defaultValue 'oldest-wins'
   */
  ingressNamespaceConflicts: IngressNamespaceConflicts;
}

export type IngressNamespaceConflicts = 'oldest-wins' | 'allow';

export type GatewayAttachmentMode = 'spec' | 'unfiltered';

/** KIC's default GatewayClass controllerName (so migrated clusters keep working) and kong-fleet's own. */
export const KIC_GATEWAY_CONTROLLER = 'konghq.com/kic-gateway-controller';
export const KONG_FLEET_GATEWAY_CONTROLLER = 'kongfleet.io/gateway-controller';

/** Defaults of KIC's feature gates as used by its golden tests (conformance README §1.2). */
export const DEFAULT_FEATURE_FLAGS: Readonly<FeatureFlags> = Object.freeze({
  ExpressionRoutes: false,
  KongServiceFacade: false,
  FillIDs: true,
  RewriteURIs: false,
  KongCustomEntity: true,
  EnterpriseEdition: false,
  CombinedServicesFromDifferentHTTPRoutes: false,
  SupportRedirectPlugin: false,
  ReportConfiguredKubernetesObjects: false,
});

export const DEFAULT_SETTINGS: Readonly<TranslateSettings> = Object.freeze({
  ingressClass: 'kong',
  featureFlags: DEFAULT_FEATURE_FLAGS,
  kongVersion: '3.9.1',
  gatewayControllerNames: Object.freeze([KIC_GATEWAY_CONTROLLER, KONG_FLEET_GATEWAY_CONTROLLER]),
  gatewayAttachment: 'spec',
  enableDrainSupport: false,
  ingressNamespaceConflicts: 'oldest-wins',
});

/** A settings file that cannot be used: the message names the setting and what is allowed. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

export interface SettingsOverrides {
  ingressClass?: string;
  featureFlags?: Partial<FeatureFlags>;
  kongVersion?: string;
  gatewayControllerNames?: readonly string[];
  gatewayAttachment?: GatewayAttachmentMode;
  enableDrainSupport?: boolean;
  ingressNamespaceConflicts?: IngressNamespaceConflicts;
}

/** Defaults overlaid with the given values. */
export function resolveSettings(overrides: SettingsOverrides | TranslateSettings = {}): TranslateSettings {
  return {
    ingressClass: overrides.ingressClass ?? DEFAULT_SETTINGS.ingressClass,
    featureFlags: { ...DEFAULT_FEATURE_FLAGS, ...overrides.featureFlags },
    kongVersion: overrides.kongVersion ?? DEFAULT_SETTINGS.kongVersion,
    gatewayControllerNames: overrides.gatewayControllerNames ?? DEFAULT_SETTINGS.gatewayControllerNames,
    gatewayAttachment: overrides.gatewayAttachment ?? DEFAULT_SETTINGS.gatewayAttachment,
    enableDrainSupport: overrides.enableDrainSupport ?? DEFAULT_SETTINGS.enableDrainSupport,
    ingressNamespaceConflicts:
      overrides.ingressNamespaceConflicts ?? DEFAULT_SETTINGS.ingressNamespaceConflicts,
  };
}

/**
 * Parses a settings document in the conformance fixtures' format:
 * `feature_flags: { <KIC flag name>: bool }`, plus the optional kong-fleet keys `ingress_class` and `kong_version`.
 * Unknown keys and flags are rejected like KIC's harness rejects them.
 */
export function parseSettings(text: string): TranslateSettings {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new SettingsError(`settings are not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return resolveSettings();
  if (!isRecord(doc)) throw new SettingsError('settings must be a YAML mapping');
  const overrides: SettingsOverrides = {};
  for (const [key, value] of Object.entries(doc)) {
    switch (key) {
      case 'feature_flags':
        overrides.featureFlags = parseFlags(value);
        break;
      case 'ingress_class':
        if (typeof value !== 'string' || value === '') {
          throw new SettingsError('ingress_class must be a non-empty string');
        }
        overrides.ingressClass = value;
        break;
      case 'kong_version':
        if (typeof value !== 'string' || !/^\d+\.\d+(\.\d+)?$/.test(value)) {
          throw new SettingsError('kong_version must be a version string such as "3.9.1"');
        }
        overrides.kongVersion = value;
        break;
      default:
        throw new SettingsError(
          `unknown settings key "${key}" (allowed: feature_flags, ingress_class, kong_version)`,
        );
    }
  }
  return resolveSettings(overrides);
}

function parseFlags(value: unknown): Partial<FeatureFlags> {
  if (value === null || value === undefined) return {};
  if (!isRecord(value)) throw new SettingsError('feature_flags must be a mapping of flag name to boolean');
  const known = Object.keys(DEFAULT_FEATURE_FLAGS);
  const flags: Partial<FeatureFlags> = {};
  for (const [name, flag] of Object.entries(value)) {
    if (!known.includes(name)) {
      throw new SettingsError(`unknown feature flag "${name}" (allowed: ${known.join(', ')})`);
    }
    if (typeof flag !== 'boolean') throw new SettingsError(`feature flag "${name}" must be true or false`);
    (flags as Record<string, boolean>)[name] = flag;
  }
  return flags;
}
