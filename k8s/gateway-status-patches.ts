import { PROGRAMMED } from '../domain/propagation.ts';
import { canonicalJson } from '../kong/canonical.ts';
import type {
  ConditionVerdict,
  GatewayAPIVerdicts,
  ListenerVerdict,
  ParentRefVerdict,
} from '../kong/translate/index.ts';
import { type Condition, mergeConditions } from './conditions.ts';

/** A Gateway API object as listed from the API server: identity, version and current status. */
export interface LiveGatewayObject {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly status: Record<string, unknown> | undefined;
}

/** `status.addresses` of a Gateway (GatewayStatusAddress). */
export interface GatewayAddress {
  readonly type: 'IPAddress' | 'Hostname';
  readonly value: string;
}

/** A status to merge-patch, guarded by the resourceVersion it was computed from. */
export interface GatewayStatusPatch {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly resourceVersion: string;
  readonly status: Record<string, unknown>;
}

/**
 * The status writes that bring our Gateway API objects to the verdicts: GatewayClass `Accepted`; Gateway
 * `Accepted`, `Programmed` (the published addresses exist) with `addresses` and per-listener conditions and
 * `attachedRoutes`; route `status.parents` entries of our controllers (other controllers' entries are kept,
 * ours that no longer apply are removed). Transition times are kept when a condition's status did not change,
 * and an object whose status would not change gets no write. Pure: `now` is passed in.
 */
export function gatewayStatusPatches(
  verdicts: GatewayAPIVerdicts,
  live: readonly LiveGatewayObject[],
  addresses: readonly GatewayAddress[],
  ourControllers: readonly string[],
  now: Date,
): GatewayStatusPatch[] {
  const byKey = new Map(live.map((o) => [`${o.kind}/${o.namespace}/${o.name}`, o]));
  const patches: GatewayStatusPatch[] = [];
  const offer = (object: LiveGatewayObject | undefined, status: Record<string, unknown>) => {
    if (!object) return;
    const current = pick(object.status ?? {}, Object.keys(status));
    if (canonicalJson(current) === canonicalJson(status)) return;
    const { kind, namespace, name, resourceVersion } = object;
    patches.push({ kind, namespace, name, resourceVersion, status });
  };

  for (const cls of verdicts.gatewayClasses) {
    const object = byKey.get(`GatewayClass//${cls.ref.name}`);
    const accepted = cls.conditions.some((c) => c.type === 'Accepted' && c.status === 'True');
    offer(object, {
      conditions: merge(conditionsOf(object?.status), cls.conditions, now),
      ...(accepted ? { supportedFeatures: cls.supportedFeatures.map((name) => ({ name })) } : {}),
    });
  }

  for (const gw of verdicts.gateways) {
    const object = byKey.get(`Gateway/${gw.ref.namespace}/${gw.ref.name}`);
    const accepted = gw.conditions.find((c) => c.type === 'Accepted');
    const programmed: ConditionVerdict =
      accepted?.status !== 'True'
        ? {
            ...condition('Programmed', 'False', 'Invalid', 'the Gateway is not accepted'),
            observedGeneration: gw.generation,
          }
        : addresses.length === 0
          ? {
              ...condition('Programmed', 'False', 'AddressNotAssigned', 'no published address yet'),
              observedGeneration: gw.generation,
            }
          : {
              ...condition('Programmed', 'True', 'Programmed', 'served by the kong-fleet proxies'),
              observedGeneration: gw.generation,
            };
    const previousListeners = new Map(
      records(object?.status?.listeners).map((l) => [String(l.name), conditionsOf(l)]),
    );
    offer(object, {
      addresses: addresses.map((a) => ({ type: a.type, value: a.value })),
      conditions: merge(conditionsOf(object?.status), [...gw.conditions, programmed], now),
      listeners: gw.listeners.map((l: ListenerVerdict) => ({
        name: l.name,
        supportedKinds: l.supportedKinds.map((k) => ({ group: k.group, kind: k.kind })),
        attachedRoutes: l.attachedRoutes,
        conditions: merge(previousListeners.get(l.name), l.conditions, now),
      })),
    });
  }

  const judged = new Set<string>();
  for (const route of verdicts.routes) {
    const key = `${route.ref.kind}/${route.ref.namespace}/${route.ref.name}`;
    judged.add(key);
    const object = byKey.get(key);
    const previous = records(object?.status?.parents);
    const others = previous.filter((p) => !ourControllers.includes(String(p.controllerName)));
    const ours = route.parents.map((parent) => {
      const before = previous.find(
        (p) => p.controllerName === parent.controllerName && sameParentRef(p.parentRef, parent.parentRef),
      );
      // `Programmed` is the propagation status job's (jobs/propagation-status.ts): kept as it is.
      const programmed = conditionsOf(before)?.filter((c) => c.type === PROGRAMMED) ?? [];
      return {
        parentRef: { ...parent.parentRef },
        controllerName: parent.controllerName,
        conditions: [...merge(conditionsOf(before), parent.conditions, now), ...programmed],
      };
    });
    offer(object, { parents: [...others, ...ours] });
  }
  // BackendTLSPolicy `status.ancestors`: ours replaced, other controllers' entries kept.
  const judgedPolicies = new Set<string>();
  for (const policy of verdicts.backendTLSPolicies ?? []) {
    const key = `BackendTLSPolicy/${policy.ref.namespace}/${policy.ref.name}`;
    judgedPolicies.add(key);
    const object = byKey.get(key);
    const previous = records(object?.status?.ancestors);
    const others = previous.filter((a) => !ourControllers.includes(String(a.controllerName)));
    const ours = policy.ancestors.map((ancestor) => {
      const before = previous.find(
        (a) =>
          a.controllerName === ancestor.controllerName && sameParentRef(a.ancestorRef, ancestor.ancestorRef),
      );
      return {
        ancestorRef: { ...ancestor.ancestorRef },
        controllerName: ancestor.controllerName,
        conditions: merge(conditionsOf(before), ancestor.conditions, now),
      };
    });
    offer(object, { ancestors: [...others, ...ours] });
  }
  for (const object of live) {
    if (
      object.kind !== 'BackendTLSPolicy' ||
      judgedPolicies.has(`BackendTLSPolicy/${object.namespace}/${object.name}`)
    )
      continue;
    const previous = records(object.status?.ancestors);
    const others = previous.filter((a) => !ourControllers.includes(String(a.controllerName)));
    if (others.length !== previous.length) offer(object, { ancestors: others });
  }
  // Routes we no longer judge (their Gateway went away or left our class) lose our entries.
  for (const object of live) {
    if (!object.kind.endsWith('Route') || judged.has(`${object.kind}/${object.namespace}/${object.name}`))
      continue;
    const previous = records(object.status?.parents);
    const others = previous.filter((p) => !ourControllers.includes(String(p.controllerName)));
    if (others.length !== previous.length) offer(object, { parents: others });
  }
  return patches;
}

function merge(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionVerdict[],
  now: Date,
): Condition[] {
  return mergeConditions(previous, next, now);
}

function condition(type: string, status: 'True' | 'False', reason: string, message: string) {
  return { type, status, reason, message };
}

function conditionsOf(value: unknown): Condition[] | undefined {
  const list = (value as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(list) ? (list as Condition[]) : undefined;
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v) => typeof v === 'object' && v !== null) : [];
}

function pick(status: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in status).map((k) => [k, status[k]]));
}

/** parentRefs compare with the spec's defaults applied (the API server writes them out in status). */
function sameParentRef(stored: unknown, ours: ParentRefVerdict): boolean {
  const s = (stored ?? {}) as Record<string, unknown>;
  return (
    (s.group ?? 'gateway.networking.k8s.io') === ours.group &&
    (s.kind ?? 'Gateway') === ours.kind &&
    s.namespace === ours.namespace &&
    s.name === ours.name &&
    s.sectionName === ours.sectionName &&
    s.port === ours.port
  );
}
