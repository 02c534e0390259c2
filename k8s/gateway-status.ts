import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { GatewayStatusPatch, LiveGatewayObject } from './gateway-status-patches.ts';
import { type WatchedKind, watchedKinds } from './watched-kinds.ts';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The Gateway API kinds whose status we write, at the versions the watcher reads them. */
const STATUS_KINDS = [
  'GatewayClass',
  'Gateway',
  'HTTPRoute',
  'GRPCRoute',
  'TCPRoute',
  'UDPRoute',
  'TLSRoute',
  'BackendTLSPolicy',
];

export interface GatewayStatusOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespaces to look at; empty = all. */
  readonly namespaces: readonly string[];
}

/**
 * Lists Gateway API objects with their status and merge-patches the status subresource. A patch carries the
 * resourceVersion the status was computed from, so a write racing another controller's fails with 409 (and the
 * job retries with fresh state) instead of dropping that controller's route parents.
 */
export class GatewayStatusWriter {
  readonly #options: GatewayStatusOptions;
  readonly #api: CustomObjectsApi;
  readonly #kinds: ReadonlyMap<string, WatchedKind>;

  constructor(options: GatewayStatusOptions) {
    this.#options = options;
    this.#api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.#kinds = new Map(watchedKinds.filter((k) => STATUS_KINDS.includes(k.kind)).map((k) => [k.kind, k]));
  }

  /** Every object of the status kinds in the watched namespaces; a kind whose CRD is missing lists empty. */
  async list(): Promise<LiveGatewayObject[]> {
    const lists = await Promise.all([...this.#kinds.values()].map((kind) => this.#listKind(kind)));
    return lists.flat();
  }

  async write(patch: GatewayStatusPatch): Promise<void> {
    const kind = this.#kinds.get(patch.kind);
    if (!kind) throw new Error(`no status is written for kind ${patch.kind}`);
    const target = { group: kind.group, version: kind.version, plural: kind.plural, name: patch.name };
    const body = { metadata: { resourceVersion: patch.resourceVersion }, status: patch.status };
    if (kind.namespaced)
      await this.#api.patchNamespacedCustomObjectStatus(
        { ...target, namespace: patch.namespace, body },
        MERGE_PATCH,
      );
    else await this.#api.patchClusterCustomObjectStatus({ ...target, body }, MERGE_PATCH);
  }

  async #listKind(kind: WatchedKind): Promise<LiveGatewayObject[]> {
    const target = { group: kind.group, version: kind.version, plural: kind.plural };
    const namespaces =
      kind.namespaced && this.#options.namespaces.length > 0 ? this.#options.namespaces : [undefined];
    try {
      const lists = await Promise.all(
        namespaces.map(
          (namespace) =>
            (namespace
              ? this.#api.listNamespacedCustomObject({ ...target, namespace })
              : this.#api.listClusterCustomObject(target)) as Promise<{ items?: ListedObject[] }>,
        ),
      );
      return lists.flatMap((list) =>
        (list.items ?? []).map((item) => ({
          kind: kind.kind,
          namespace: item.metadata?.namespace ?? '',
          name: item.metadata?.name ?? '',
          resourceVersion: item.metadata?.resourceVersion ?? '',
          status: item.status,
        })),
      );
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return [];
      throw err;
    }
  }
}

interface ListedObject {
  metadata?: { namespace?: string; name?: string; resourceVersion?: string };
  status?: Record<string, unknown>;
}
