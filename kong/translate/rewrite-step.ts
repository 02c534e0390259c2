import type { ErrorCollector } from './errors.ts';
import type { ServiceMap } from './model.ts';
import { applyRewriteAnnotations } from './rewrite.ts';

/** Applies `konghq.com/rewrite` to Ingress-built services; a failing service is dropped with its Ingress reported. */
export function rewriteRoutes(services: ServiceMap, enabled: boolean, errors: ErrorCollector): void {
  for (const [name, service] of services) {
    const error = applyRewriteAnnotations(service, enabled);
    if (error === undefined) continue;
    services.delete(name);
    errors.drop(service.parent, `${error}; Kong service ${name} dropped`);
  }
}
