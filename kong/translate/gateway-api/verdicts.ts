import type { ObjectRef } from '../k8s-object.ts';

/**
 * What the translator decided about each Gateway API object it owns, in the shape of the objects' status
 * conditions (the status writer in k8s/ only adds addresses and timestamps). Objects of other controllers
 * have no verdict at all, so nothing is ever written to them.
 */
export interface ConditionVerdict {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
}

export interface GatewayClassVerdict {
  readonly ref: ObjectRef;
  readonly conditions: readonly ConditionVerdict[];
  /** `status.supportedFeatures` (Gateway API v1.2+), sorted; written while the class is Accepted. */
  readonly supportedFeatures: readonly string[];
}

/**
 * The Gateway API features kong-fleet supports: the list `scripts/gateway-conformance/run.sh` runs the upstream
 * conformance suite with (a unit test keeps the two equal), sorted as the spec wants `supportedFeatures`.
 */
export const SUPPORTED_FEATURES: readonly string[] = Object.freeze(
  [
    'Gateway',
    'GatewayPort8080',
    'HTTPRoute',
    'HTTPRouteDestinationPortMatching',
    'HTTPRouteParentRefPort',
    'ReferenceGrant',
    'TCPRoute',
    'TLSRoute',
    'UDPRoute',
  ].sort(),
);

export interface RouteGroupKind {
  readonly group: string;
  readonly kind: string;
}

export interface ListenerVerdict {
  readonly name: string;
  readonly supportedKinds: readonly RouteGroupKind[];
  readonly attachedRoutes: number;
  readonly conditions: readonly ConditionVerdict[];
}

export interface GatewayVerdict {
  readonly ref: ObjectRef;
  readonly generation: number;
  /** `Accepted` only: `Programmed` needs the published addresses, which the status writer reads. */
  readonly conditions: readonly ConditionVerdict[];
  readonly listeners: readonly ListenerVerdict[];
}

/** A route's parentRef as the spec's `status.parents[].parentRef` spells it (defaults written out). */
export interface ParentRefVerdict {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface RouteParentVerdict {
  readonly parentRef: ParentRefVerdict;
  /** The owning GatewayClass's `controllerName`. */
  readonly controllerName: string;
  readonly conditions: readonly ConditionVerdict[];
}

export interface RouteVerdict {
  readonly ref: ObjectRef;
  readonly parents: readonly RouteParentVerdict[];
}

/** One `status.ancestors[]` entry of a BackendTLSPolicy: a Gateway of ours whose routes use a targeted Service. */
export interface PolicyAncestorVerdict {
  readonly ancestorRef: ParentRefVerdict;
  readonly controllerName: string;
  readonly conditions: readonly ConditionVerdict[];
}

export interface BackendTLSPolicyVerdict {
  readonly ref: ObjectRef;
  readonly ancestors: readonly PolicyAncestorVerdict[];
}

export interface GatewayAPIVerdicts {
  readonly gatewayClasses: readonly GatewayClassVerdict[];
  readonly gateways: readonly GatewayVerdict[];
  readonly routes: readonly RouteVerdict[];
  /** Policies that reach one of our Gateways (filled after the routes are translated). */
  readonly backendTLSPolicies?: readonly BackendTLSPolicyVerdict[];
}

export const NO_VERDICTS: GatewayAPIVerdicts = Object.freeze({
  gatewayClasses: [],
  gateways: [],
  routes: [],
});

export function condition(
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  observedGeneration: number,
): ConditionVerdict {
  return { type, status: ok ? 'True' : 'False', reason, message, observedGeneration };
}
