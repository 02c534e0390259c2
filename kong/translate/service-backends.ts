import { PREFIX } from './annotations.ts';
import type { ErrorCollector } from './errors.ts';
import { annotationsOf, type K8sObject, rec, specOf, str } from './k8s-object.ts';
import type { ServiceDraft, ServiceMap } from './model.ts';
import type { Snapshot } from './snapshot.ts';
import { tagsForObject, UNKNOWN_SERVICE_TAGS } from './tags.ts';

/**
 * KIC's `populateServices`: resolves each Kong service's backends to Kubernetes Services (a KongServiceFacade's
 * annotations override its Service's), checks that multi-Service backends agree on every `konghq.com/*`
 * annotation (a disagreement drops the Kong service) and sets the service tags.
 * Returns the names of the Kong services to drop.
 */
export function resolveServiceBackends(
  snapshot: Snapshot,
  services: ServiceMap,
  errors: ErrorCollector,
): Set<string> {
  const skip = new Set<string>();
  for (const [name, service] of services) {
    const resolved: K8sObject[] = [];
    for (const backend of service.backends) {
      if (backend.kind === 'KongServiceFacade') {
        const facade = snapshot.get('KongServiceFacade', backend.namespace, backend.name);
        if (!facade) {
          errors.warn(service.parent, `KongServiceFacade ${backend.namespace}/${backend.name} not found`);
          continue;
        }
        const svcName = str(rec(specOf(facade).backendRef)?.name) ?? '';
        const svc = snapshot.get('Service', backend.namespace, svcName);
        if (!svc) {
          errors.warn(
            service.parent,
            `Service ${backend.namespace}/${svcName} (backend of KongServiceFacade ${backend.name}) not found`,
          );
          continue;
        }
        resolved.push(withFacadeAnnotations(svc, facade));
        continue;
      }
      const svc = snapshot.get('Service', backend.namespace, backend.name);
      if (!svc) {
        errors.warn(
          service.parent,
          `Service ${backend.namespace}/${backend.name} not found; the Kong service has no targets`,
        );
        continue;
      }
      resolved.push(svc);
    }
    if (!consistentAnnotations(resolved, name, errors)) {
      skip.add(name);
      continue;
    }
    service.k8sServices = resolved;
    service.entity.tags = serviceTags(service, resolved);
  }
  return skip;
}

/** Facade annotations override the Service's; the copy remembers its facade for tags and plugin binding. */
function withFacadeAnnotations(svc: K8sObject, facade: K8sObject): K8sObject {
  const meta = rec(svc.metadata) ?? {};
  return {
    ...svc,
    metadata: { ...meta, annotations: { ...annotationsOf(svc), ...annotationsOf(facade) } },
    [FACADE]: facade,
  };
}

const FACADE = Symbol('facade');

/** The KongServiceFacade a resolved Service copy stands for, if any. */
export function facadeOf(resolved: K8sObject): K8sObject | undefined {
  return (resolved as { [FACADE]?: K8sObject })[FACADE];
}

function consistentAnnotations(
  resolved: readonly K8sObject[],
  kongServiceName: string,
  errors: ErrorCollector,
): boolean {
  if (resolved.length < 2) return true;
  const seen = new Map<string, string>();
  for (const svc of resolved) {
    for (const [k, v] of Object.entries(annotationsOf(svc))) if (k.startsWith(PREFIX)) seen.set(k, v);
  }
  const bad = new Set<string>();
  for (const svc of resolved) {
    const anns = annotationsOf(svc);
    for (const [k, v] of seen) if (anns[k] !== v) bad.add(k);
  }
  if (bad.size === 0) return true;
  for (const svc of resolved) {
    for (const k of [...bad].sort()) {
      errors.drop(
        facadeOf(svc) ?? svc,
        `inconsistent ${k} annotation in multi-Service backend ${kongServiceName}: it must have the same value on every Service`,
      );
    }
  }
  return false;
}

/** KIC's `generateKongServiceTags`. */
function serviceTags(service: ServiceDraft, resolved: readonly K8sObject[]): string[] {
  if (resolved.length > 1) return tagsForObject(service.parent);
  if (resolved.length === 1) {
    const facade = facadeOf(resolved[0]!);
    return tagsForObject(facade ?? resolved[0]!);
  }
  return [...UNKNOWN_SERVICE_TAGS];
}
