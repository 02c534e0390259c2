import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  CONFIG_APPLIED_CONDITION,
  CONFIG_HASH_ANNOTATION,
  CONFIG_STATE_ANNOTATION,
  type ObjectPropagation,
  type PodGate,
} from '../domain/propagation.ts';
import type { Condition } from './conditions.ts';
import {
  parentsWithProgrammed,
  programmedConditions,
  propagationAnnotations,
} from './propagation-status-patches.ts';
import { type WatchedKind, watchedKinds } from './watched-kinds.ts';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const STRATEGIC_PATCH = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/** `written`; `unchanged` (already says it); `missing` (gone); `no-parent` (no route parent of ours yet); `conflict`. */
export type PropagationWriteResult = 'written' | 'unchanged' | 'missing' | 'no-parent' | 'conflict';

/**
 * Writes one object's propagation status through its status subresource only (least RBAC): `Programmed` in
 * `status.conditions` of Kong CRDs and in our entries of a route's `status.parents`, the two annotations on an
 * Ingress (a status patch may change metadata). Reads the object first (a list narrowed to its name: the
 * controller lists and watches these kinds, it never gets them) and writes nothing when it already says
 * it; a write carries the resourceVersion it was computed from, so racing another writer yields `conflict`, not
 * a lost update.
 */
export class PropagationStatusWriter {
  readonly #custom: CustomObjectsApi;
  readonly #networking: NetworkingV1Api;
  readonly #ourControllers: readonly string[];
  readonly #kinds = new Map<string, WatchedKind>(watchedKinds.map((k) => [`${k.kind}.${k.group}`, k]));

  constructor(options: { readonly kubeConfig: KubeConfig; readonly ourControllers: readonly string[] }) {
    this.#custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.#networking = options.kubeConfig.makeApiClient(NetworkingV1Api);
    this.#ourControllers = options.ourControllers;
  }

  async write(verdict: ObjectPropagation, now = new Date()): Promise<PropagationWriteResult> {
    try {
      if (verdict.ref.kind === 'Ingress') return await this.#writeIngress(verdict);
      return await this.#writeCustom(verdict, now);
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return 'missing';
      if (err instanceof ApiException && err.code === 409) return 'conflict';
      throw err;
    }
  }

  async #writeIngress(verdict: ObjectPropagation): Promise<PropagationWriteResult> {
    const { namespace, name } = verdict.ref;
    // A list narrowed to the one name: the controller may list and watch Ingresses, never get them.
    const [ingress] = (
      await this.#networking.listNamespacedIngress({ namespace, fieldSelector: byName(name) })
    ).items;
    if (!ingress) return 'missing';
    const annotations = propagationAnnotations(ingress.metadata?.annotations, verdict);
    if (!annotations) return 'unchanged';
    await this.#networking.patchNamespacedIngressStatus(
      {
        name,
        namespace,
        body: { metadata: { resourceVersion: ingress.metadata?.resourceVersion, annotations } },
      },
      MERGE_PATCH,
    );
    return 'written';
  }

  async #writeCustom(verdict: ObjectPropagation, now: Date): Promise<PropagationWriteResult> {
    const kind = this.#kinds.get(`${verdict.ref.kind}.${verdict.ref.group}`);
    if (!kind) throw new Error(`no propagation status is written for ${verdict.key}`);
    const target = { group: kind.group, version: kind.version, plural: kind.plural, name: verdict.ref.name };
    const list = {
      group: kind.group,
      version: kind.version,
      plural: kind.plural,
      fieldSelector: byName(target.name),
    };
    const {
      items: [object],
    } = (await (kind.namespaced
      ? this.#custom.listNamespacedCustomObject({ ...list, namespace: verdict.ref.namespace })
      : this.#custom.listClusterCustomObject(list))) as { items: LiveObject[] };
    if (!object) return 'missing';
    const generation = object.metadata?.generation;
    let status: Record<string, unknown>;
    if (kind.kind.endsWith('Route')) {
      const parents = Array.isArray(object.status?.parents)
        ? (object.status.parents as Record<string, unknown>[])
        : [];
      const next = parentsWithProgrammed(parents, this.#ourControllers, verdict, generation, now);
      if (next.ours === 0) return 'no-parent';
      if (!next.parents) return 'unchanged';
      status = { parents: next.parents };
    } else {
      const previous = Array.isArray(object.status?.conditions)
        ? (object.status.conditions as Condition[])
        : undefined;
      const conditions = programmedConditions(previous, verdict, generation, now);
      if (!conditions) return 'unchanged';
      status = { conditions };
    }
    const body = { metadata: { resourceVersion: object.metadata?.resourceVersion }, status };
    if (kind.namespaced)
      await this.#custom.patchNamespacedCustomObjectStatus(
        { ...target, namespace: verdict.ref.namespace, body },
        MERGE_PATCH,
      );
    else await this.#custom.patchClusterCustomObjectStatus({ ...target, body }, MERGE_PATCH);
    return 'written';
  }
}

const byName = (name: string) => `metadata.name=${name}`;

interface LiveObject {
  metadata?: { resourceVersion?: string; generation?: number };
  status?: Record<string, unknown>;
}

/**
 * Sets the readiness gate condition and the config annotations on a proxy Pod in one strategic merge patch of
 * `pods/status` (conditions merge by type, so the kubelet's stay; a status patch may change annotations), the
 * only Pod permission the controller needs. `transition` says the gate's status changed (its
 * lastTransitionTime moves only then).
 */
export class PodReadinessWriter {
  readonly #core: CoreV1Api;
  readonly #conditionType: string;

  constructor(options: { readonly kubeConfig: KubeConfig; readonly conditionType?: string }) {
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#conditionType = options.conditionType ?? CONFIG_APPLIED_CONDITION;
  }

  async write(
    pod: { readonly name: string; readonly namespace: string },
    gate: PodGate,
    transition: boolean,
  ): Promise<'written' | 'missing'> {
    const condition = {
      type: this.#conditionType,
      status: gate.status,
      reason: gate.reason,
      message: gate.message,
      ...(transition ? { lastTransitionTime: new Date().toISOString() } : {}),
    };
    try {
      await this.#core.patchNamespacedPodStatus(
        {
          ...pod,
          body: {
            metadata: {
              annotations: { [CONFIG_HASH_ANNOTATION]: gate.hash, [CONFIG_STATE_ANNOTATION]: gate.state },
            },
            status: { conditions: [condition] },
          },
        },
        STRATEGIC_PATCH,
      );
      return 'written';
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return 'missing';
      throw err;
    }
  }
}
