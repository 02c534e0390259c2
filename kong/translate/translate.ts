import type {
  KongCertificateEntity,
  KongDeclarativeConfig,
  KongServiceEntity,
  KongUpstreamEntity,
} from '../declarative.ts';
import { A } from './annotations.ts';
import { translateCAConfigMaps } from './ca-configmaps.ts';
import { translateCACertificates, translateCertificates } from './certificates.ts';
import { translateConsumers } from './consumers.ts';
import { ErrorCollector, type ObjectError } from './errors.ts';
import { translateCustomEntities, translateVaults } from './extras.ts';
import { fillDefaults, fillIds, isEmptyConfig, sortEntities, stubConfig } from './finalize.ts';
import { attachGatewayRoutes } from './gateway-api/attachment.ts';
import { applyBackendTLSPolicies } from './gateway-api/backend-tls.ts';
import { applyListenerProtocols, claimListenerCertificates } from './gateway-api/listener-output.ts';
import type { GatewayAPIVerdicts } from './gateway-api/verdicts.ts';
import { translateGRPCRoutes } from './grpcroute.ts';
import { translateHTTPRoutes } from './httproute.ts';
import { ingressesOfClass, newTlsClaims, translateIngresses } from './ingress.ts';
import { reportIngressClassParameters } from './ingress-class-parameters.ts';
import { annotationsOf, type K8sObject, namespaceOf, type ObjectRef } from './k8s-object.ts';
import { reportKongIngresses } from './kong-ingress.ts';
import { translateL4Routes } from './l4routes.ts';
import type { ServiceMap } from './model.ts';
import { type BuiltPlugin, PluginBindings } from './plugins.ts';
import { rewriteRoutes } from './rewrite-step.ts';
import { applyRouteOverrides } from './route-overrides.ts';
import { facadeOf, resolveServiceBackends } from './service-backends.ts';
import { applyServiceOverrides } from './service-overrides.ts';
import { resolveSettings, type SettingsOverrides, type TranslateSettings } from './settings.ts';
import { Snapshot } from './snapshot.ts';
import { translateStreamIngresses } from './stream-ingress.ts';
import { buildUpstreams } from './upstreams.ts';

export interface TranslateResult {
  /** The declarative config; never empty (KIC's stub upstream `kong` when nothing translated). */
  config: KongDeclarativeConfig;
  /** Per-object problems, sorted by object; never contain Secret values. */
  errors: ObjectError[];
  /** Objects that could not be translated at all; `buildWithFallback` also excludes what depends on them. */
  rejected: ObjectRef[];
  /** Gateway API attachment verdicts for the objects we own (their status conditions). */
  gatewayAPI: GatewayAPIVerdicts;
  /** Strings of `config` that came out of Secrets (see Snapshot.secretValues); never shown, only redacted by. */
  secretValues: ReadonlySet<string>;
}

/**
 * The translator: a pure function from a snapshot of Kubernetes objects to a Kong declarative config (format 3.0)
 * with KIC's entities, names, IDs, defaults and tags, plus per-object errors. No I/O, clock or randomness: the same
 * objects (in any order) always give the same config. Malformed objects never throw past themselves.
 */
export function translate(
  objects: readonly unknown[],
  settings: TranslateSettings | SettingsOverrides = {},
): TranslateResult {
  return withStub(translateWithoutStub(objects, settings));
}

/** KIC's stub upstream in place of a config without entities. */
export function withStub(result: TranslateResult): TranslateResult {
  return isEmptyConfig(result.config) ? { ...result, config: stubConfig() } : result;
}

/** `translate` without the stub: the config may hold no entity (kong/translate/partitioned.ts merges such parts). */
export function translateWithoutStub(
  objects: readonly unknown[],
  settings: TranslateSettings | SettingsOverrides = {},
): TranslateResult {
  const resolved = resolveSettings(settings);
  const errors = new ErrorCollector();
  const snapshot = new Snapshot(objects, resolved, errors);
  const flags = resolved.featureFlags;
  // 0. Gateway API: only routes our Gateways accept, as served through their listeners.
  const gatewayAPI = attachGatewayRoutes(snapshot, errors);
  for (const [kind, routes] of gatewayAPI.routes) snapshot.replaceKind(kind, routes);

  // 1. Routing objects → Kong services with their routes.
  const services: ServiceMap = new Map();
  const tls = newTlsClaims();
  const ingresses = ingressesOfClass(snapshot);
  for (const ingress of ingresses) {
    if (annotationsOf(ingress)[A.override] !== undefined) {
      errors.warn(
        ingress,
        `annotation ${A.override}: KongIngress route and proxy overrides are not applied (as in KIC 3.x); use annotations`,
      );
    }
  }
  reportKongIngresses(snapshot, errors);
  reportIngressClassParameters(snapshot, errors);
  translateIngresses(snapshot, ingresses, services, tls, errors);
  rewriteRoutes(services, flags.RewriteURIs, errors);
  translateStreamIngresses(snapshot, services, tls, errors);
  translateHTTPRoutes(snapshot, services, errors);
  translateL4Routes(snapshot, services, errors);
  translateGRPCRoutes(snapshot, services, errors);
  applyListenerProtocols(services, gatewayAPI.protocols);
  claimListenerCertificates(gatewayAPI.certificates, tls);

  // 2. Backends, service/route/upstream overrides, targets.
  const skip = resolveServiceBackends(snapshot, services, errors);
  const bindings = new PluginBindings();
  for (const [name, service] of services) {
    if (skip.has(name)) continue;
    applyServiceOverrides(snapshot, service, tls, errors);
    for (const route of service.routes) applyRouteOverrides(route, errors);
    for (const svc of service.k8sServices) {
      bindings.add('service', namespaceOf(svc), svc, name, [], facadeOf(svc) ?? svc);
    }
    for (const route of service.routes) {
      bindings.add(
        'route',
        namespaceOf(route.source),
        route.source,
        route.entity.name,
        route.extraPlugins ?? [],
      );
    }
  }
  // BackendTLSPolicies on the Services our Gateway API routes use (after the annotations: the policy wins).
  const backendTLS = applyBackendTLSPolicies(snapshot, services, skip, gatewayAPI.verdicts.routes, errors);
  const upstreams = buildUpstreams(snapshot, services, skip, errors);

  // 3. Consumers, plugins, certificates, vaults.
  const consumers = translateConsumers(snapshot, bindings, errors);
  const plugins = bindings.build(snapshot, errors);
  const certificates: KongCertificateEntity[] = translateCertificates(snapshot, tls, errors);
  const caCertificates = [
    ...translateCACertificates(snapshot, errors),
    ...translateCAConfigMaps(snapshot, errors),
  ];
  for (const ca of backendTLS.caCertificates)
    if (!caCertificates.some((c) => c.id === ca.id)) caCertificates.push(ca);
  const vaults = translateVaults(snapshot, errors);

  // 4. Assemble, IDs, custom entities (they reference service IDs), decK defaults and order.
  const serviceEntities: KongServiceEntity[] = [];
  for (const [name, service] of services) {
    if (skip.has(name)) continue;
    const entity: KongServiceEntity = { ...service.entity };
    if (service.routes.length > 0) entity.routes = service.routes.map((r) => r.entity);
    if (service.plugins.length > 0) entity.plugins = service.plugins;
    serviceEntities.push(entity);
  }
  const config: KongDeclarativeConfig = { _format_version: '3.0' };
  setIfAny(config, 'services', serviceEntities);
  setIfAny(config, 'upstreams', [...upstreams.values()] as KongUpstreamEntity[]);
  setIfAny(config, 'certificates', certificates);
  setIfAny(config, 'ca_certificates', caCertificates);
  setIfAny(
    config,
    'plugins',
    plugins.map((p) => p.entity),
  );
  setIfAny(config, 'consumers', consumers.consumers);
  setIfAny(config, 'consumer_groups', consumers.groups);
  setIfAny(config, 'consumer_group_consumers', consumers.memberships);
  setIfAny(config, 'vaults', vaults);
  if (flags.FillIDs) fillIds(config);
  const custom = translateCustomEntities(snapshot, boundServiceIds(plugins, serviceEntities), errors);
  for (const [type, entities] of [...custom].sort(([a], [b]) => (a < b ? -1 : 1)))
    setIfAny(config, type, entities);
  fillDefaults(config, flags.ExpressionRoutes);
  sortEntities(config);

  return {
    config,
    errors: errors.sorted(),
    gatewayAPI:
      backendTLS.verdicts.length > 0
        ? { ...gatewayAPI.verdicts, backendTLSPolicies: backendTLS.verdicts }
        : gatewayAPI.verdicts,
    rejected: [...errors.rejected.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, ref]) => ref),
    secretValues: snapshot.secretValues,
  };
}

function setIfAny(config: KongDeclarativeConfig, key: string, list: readonly unknown[]): void {
  if (list.length > 0) config[key] = list;
}

/** IDs of the Kong services a KongPlugin is bound to (directly, or through one of the service's routes). */
function boundServiceIds(plugins: readonly BuiltPlugin[], services: readonly KongServiceEntity[]) {
  let byName: Map<string, KongServiceEntity> | undefined;
  const byRoute = new Map<string, KongServiceEntity>();
  return (plugin: K8sObject): string[] => {
    // Indexed on first use only: most builds have no KongCustomEntity.
    if (!byName) {
      byName = new Map(services.map((s) => [s.name, s]));
      for (const s of services) for (const r of s.routes ?? []) byRoute.set(r.name, s);
    }
    const ids: string[] = [];
    for (const p of plugins) {
      if (p.source !== plugin) continue;
      const service = p.entity.service
        ? byName.get(p.entity.service)
        : p.entity.route
          ? byRoute.get(p.entity.route)
          : undefined;
      if (service?.id && !ids.includes(service.id)) ids.push(service.id);
    }
    return ids;
  };
}
