import type { IngressPath } from './ingress-paths.ts';
import type { K8sObject } from './k8s-object.ts';
import { type Backend, portDefString } from './model.ts';
import { tagsForObject } from './tags.ts';

/** Everything one Kong route of an Ingress is made from: one (Ingress, host, backend) with its paths. */
export interface RouteMeta {
  ingress: K8sObject;
  host: string;
  backend: Backend;
  facade: boolean;
  paths: IngressPath[];
}

/** KIC's route name: `<ns>.<ingress>.<svc>.<host>.<port>`, or `<ns>.<ingress>.<host>.<facade>.svc.facade`. */
export function routeNameFor(namespace: string, name: string, host: string, backend: Backend): string {
  if (backend.kind === 'KongServiceFacade') return `${namespace}.${name}.${host}.${backend.name}.svc.facade`;
  return `${namespace}.${name}.${backend.name}.${host}.${portDefString(backend.port)}`;
}

/** Fields every Ingress route starts with (KIC's defaults). */
export function ingressRouteBase(meta: RouteMeta, name: string) {
  return {
    name,
    strip_path: false,
    preserve_host: true,
    request_buffering: true,
    response_buffering: true,
    tags: tagsForObject(meta.ingress),
  };
}
