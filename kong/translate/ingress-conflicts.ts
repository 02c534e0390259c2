import type { ErrorCollector } from './errors.ts';
import { type K8sObject, nameOf, namespaceOf } from './k8s-object.ts';

/**
 * Cross-namespace conflicts between Ingresses: the first Ingress (oldest by creationTimestamp, then
 * namespace/name: the order `ingressesOfClass` gives) to claim a host+path owns it; the same host+path in an Ingress
 * of *another* namespace is left out, with the reason on that Ingress (a Warning Event). Within one namespace the
 * owner is one team, so KIC's behaviour stays: both are translated and Kong's route order decides. Without
 * enforcement every claim succeeds (KIC's behaviour everywhere).
 */
export class IngressPathClaims {
  readonly #enforce: boolean;
  /** `host\0path` → the Ingress that owns it. */
  readonly #owners = new Map<string, K8sObject>();

  constructor(enforce: boolean) {
    this.#enforce = enforce;
  }

  /** Whether `ingress` may serve `host` + `path`; records the owner, or reports the loser. */
  claim(ingress: K8sObject, host: string, path: string, errors: ErrorCollector): boolean {
    if (!this.#enforce) return true;
    const key = `${host}\u0000${path}`;
    const owner = this.#owners.get(key);
    if (!owner) {
      this.#owners.set(key, ingress);
      return true;
    }
    if (namespaceOf(owner) === namespaceOf(ingress)) return true;
    errors.drop(
      ingress,
      `host "${host || '*'}" path "${path}" is already served by Ingress ${namespaceOf(owner)}/${nameOf(owner)}, ` +
        'an older Ingress of another namespace; path skipped (KONG_FLEET_INGRESS_NAMESPACE_CONFLICTS=oldest-wins)',
    );
    return false;
  }
}
