import type { KongUpstreamEntity } from '../declarative.ts';
import { A } from './annotations.ts';
import type { ErrorCollector } from './errors.ts';
import { annotationsOf, groupVersionOf, namespaceOf, rec } from './k8s-object.ts';
import type { ServiceDraft } from './model.ts';
import type { Snapshot } from './snapshot.ts';

/** The `upstream` fields of a KongIngress that KIC 3.x still copies onto the Kong upstream (`upstream.go`). */
const UPSTREAM_FIELDS = [
  'host_header',
  'algorithm',
  'slots',
  'healthchecks',
  'hash_on',
  'hash_fallback',
  'hash_on_header',
  'hash_fallback_header',
  'hash_on_cookie',
  'hash_on_cookie_path',
  'hash_on_query_arg',
  'hash_fallback_query_arg',
  'hash_on_uri_capture',
  'hash_fallback_uri_capture',
] as const;

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/**
 * The upstream overrides from the KongIngress named by `konghq.com/override` on the Kong service's Kubernetes
 * Services (the first annotated one, as KIC's `getKongIngressForServices`), or undefined. KIC 3.x honours only the
 * `upstream` section, and not for Gateway API routes' services; each use gets the deprecation warning.
 */
export function kongIngressUpstream(
  snapshot: Snapshot,
  service: ServiceDraft,
  errors: ErrorCollector,
): Partial<KongUpstreamEntity> | undefined {
  const annotated = service.k8sServices.filter((svc) => annotationsOf(svc)[A.override]);
  for (const svc of annotated) {
    const anns = annotationsOf(svc);
    errors.warn(
      svc,
      anns[A.upstreamPolicy] !== undefined
        ? `Service uses both ${A.override} and ${A.upstreamPolicy} annotations, should use only ${A.upstreamPolicy}; settings from ${A.upstreamPolicy} take precedence`
        : `Service uses deprecated ${A.override} annotation and KongIngress, migrate to ${A.upstreamPolicy} and KongUpstreamPolicy`,
    );
  }
  const first = annotated[0];
  if (!first) return undefined;
  if (groupVersionOf(service.parent).group === GATEWAY_GROUP) {
    errors.warn(
      first,
      `KongIngress overrides do not apply to Kong services of Gateway API routes; ${A.override} ignored`,
    );
    return undefined;
  }
  const name = annotationsOf(first)[A.override]!;
  const kongIngress = snapshot.get('KongIngress', namespaceOf(first), name);
  if (!kongIngress) {
    for (const svc of service.k8sServices) {
      errors.warn(svc, `failed to get KongIngress: KongIngress ${namespaceOf(first)}/${name} not found`);
    }
    return undefined;
  }
  const upstream = rec(kongIngress.upstream);
  const overrides: Record<string, unknown> = {};
  for (const field of UPSTREAM_FIELDS) {
    if (upstream?.[field] !== undefined && upstream[field] !== null) overrides[field] = upstream[field];
  }
  return overrides as Partial<KongUpstreamEntity>;
}

/** The deprecation warning on every KongIngress, and on the sections KIC 3.x no longer applies. */
export function reportKongIngresses(snapshot: Snapshot, errors: ErrorCollector): void {
  for (const kongIngress of snapshot.list('KongIngress')) {
    errors.warn(
      kongIngress,
      'KongIngress is deprecated: migrate to KongUpstreamPolicy and annotations (its upstream section is still applied, as KIC 3.x does)',
    );
    for (const section of ['proxy', 'route'] as const) {
      if (rec(kongIngress[section])) {
        errors.warn(
          kongIngress,
          `KongIngress ${section} section is not applied (removed in KIC 3.x); use the Service or Ingress annotations`,
        );
      }
    }
  }
}
