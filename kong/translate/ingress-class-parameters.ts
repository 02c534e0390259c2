import type { ErrorCollector } from './errors.ts';
import { bool, type K8sObject, nonEmpty, rec, specOf, str } from './k8s-object.ts';
import type { Snapshot } from './snapshot.ts';

/** `IngressClassParameters.spec` (configuration.konghq.com/v1alpha1) as KIC reads it. */
export interface IngressClassParameters {
  /** Every Kong upstream gets one target, the Service's cluster DNS name, instead of its endpoints. */
  serviceUpstream: boolean;
  /** Ingress paths that Kong 2.x would have taken for regexes get Kong 3.x's `~` prefix. */
  enableLegacyRegexDetection: boolean;
}

const DEFAULTS: Readonly<IngressClassParameters> = Object.freeze({
  serviceUpstream: false,
  enableLegacyRegexDetection: false,
});

const KONG_GROUP = 'configuration.konghq.com';
const KIND = 'IngressClassParameters';

interface Resolved {
  parameters: Readonly<IngressClassParameters>;
  /** Why the class's `parameters` reference could not be followed (defaults are used then). */
  problem?: { on: K8sObject; reason: string };
}

// One lookup per snapshot: the parameters are read for every upstream.
const cache = new WeakMap<Snapshot, Resolved>();

/**
 * KIC's `getIngressClassParametersOrDefault`: the parameters of *our* IngressClass (the one named like the
 * configured class; only Ingresses of that class are translated), which apply to the whole config, as in KIC,
 * where `serviceUpstream` reaches every upstream, Gateway API backends included. A missing class, a class without
 * `spec.parameters`, or a reference KIC would not follow (other group or kind, no namespace, not found) gives the
 * defaults.
 */
export function ingressClassParameters(snapshot: Snapshot): Readonly<IngressClassParameters> {
  return resolve(snapshot).parameters;
}

/** Reports, once per build, a `parameters` reference of our IngressClass that could not be followed. */
export function reportIngressClassParameters(snapshot: Snapshot, errors: ErrorCollector): void {
  const { problem } = resolve(snapshot);
  if (problem) errors.warn(problem.on, `${problem.reason}; IngressClassParameters defaults are used`);
}

function resolve(snapshot: Snapshot): Resolved {
  let resolved = cache.get(snapshot);
  if (!resolved) {
    resolved = lookUp(snapshot);
    cache.set(snapshot, resolved);
  }
  return resolved;
}

function lookUp(snapshot: Snapshot): Resolved {
  const cls = snapshot.get('IngressClass', '', snapshot.settings.ingressClass);
  const ref = cls ? rec(specOf(cls).parameters) : undefined;
  if (!cls || !ref) return { parameters: DEFAULTS };
  const fail = (reason: string): Resolved => ({ parameters: DEFAULTS, problem: { on: cls, reason } });
  if (str(ref.apiGroup) !== KONG_GROUP) {
    return fail(`spec.parameters must name a ${KIND} of group ${KONG_GROUP}`);
  }
  if (str(ref.kind) !== KIND) return fail(`spec.parameters must be of kind ${KIND}`);
  const namespace = nonEmpty(ref.namespace);
  const name = nonEmpty(ref.name);
  if (!namespace || (str(ref.scope) ?? 'Namespace') !== 'Namespace') {
    return fail(`spec.parameters must name a namespaced ${KIND} (scope Namespace with a namespace)`);
  }
  const params = name ? snapshot.get(KIND, namespace, name) : undefined;
  if (!params) return fail(`${KIND} ${namespace}/${name ?? ''} not found`);
  const spec = specOf(params);
  return {
    parameters: {
      serviceUpstream: bool(spec.serviceUpstream) ?? false,
      enableLegacyRegexDetection: bool(spec.enableLegacyRegexDetection) ?? false,
    },
  };
}
