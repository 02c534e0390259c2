import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1IngressLoadBalancerIngress,
} from '@kubernetes/client-node';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** One address of a load balancer, as Ingress status carries it. */
export type LoadBalancerAddress = V1IngressLoadBalancerIngress;

export interface IngressStatusOptions {
  readonly kubeConfig: KubeConfig;
  /** `namespace/name` of the proxies' Service whose address Ingresses publish. */
  readonly publishService?: string;
  /** Fixed addresses (IPs or host names) to publish instead of a Service's. */
  readonly publishAddresses?: readonly string[];
  /** Namespaces to look at; empty = all. */
  readonly namespaces: readonly string[];
}

/** The kinds whose `status.loadBalancer` carries the fleet's address: Ingress, and KIC's stream Ingresses. */
export type IngressKind = 'Ingress' | 'TCPIngress' | 'UDPIngress';

export interface IngressRef {
  readonly kind: IngressKind;
  readonly namespace: string;
  readonly name: string;
}

/** KIC's deprecated stream Ingresses (configuration.konghq.com/v1beta1); their CRDs may not be installed. */
const STREAM_INGRESSES = [
  { kind: 'TCPIngress', plural: 'tcpingresses' },
  { kind: 'UDPIngress', plural: 'udpingresses' },
] as const;
const KONG_GROUP = 'configuration.konghq.com';
const KONG_VERSION = 'v1beta1';

interface ListedObject {
  metadata?: { namespace?: string; name?: string };
  status?: { loadBalancer?: { ingress?: V1IngressLoadBalancerIngress[] } };
}

export interface IngressState extends IngressRef {
  readonly addresses: readonly V1IngressLoadBalancerIngress[];
}

/**
 * Reads and writes `status.loadBalancer` of Ingresses, as ingress controllers do, so `kubectl get
 * ingress` shows where the fleet answers.
 */
export class IngressStatusWriter {
  readonly #options: IngressStatusOptions;
  readonly #core: CoreV1Api;
  readonly #networking: NetworkingV1Api;
  readonly #custom: CustomObjectsApi;

  constructor(options: IngressStatusOptions) {
    this.#options = options;
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#networking = options.kubeConfig.makeApiClient(NetworkingV1Api);
    this.#custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** What to publish: the fixed addresses, else the Service's load balancer, external IPs, or cluster IP. */
  async publishAddresses(): Promise<V1IngressLoadBalancerIngress[]> {
    const fixed = this.#options.publishAddresses ?? [];
    if (fixed.length > 0)
      return fixed.map((address) =>
        /^[\d.:a-fA-F]+$/.test(address) ? { ip: address } : { hostname: address },
      );
    if (!this.#options.publishService) return [];
    const [namespace, name] = this.#options.publishService.split('/') as [string, string];
    const service = await this.#core.readNamespacedService({ name, namespace });
    const balancer = (service.status?.loadBalancer?.ingress ?? [])
      .map((entry) =>
        entry.ip ? { ip: entry.ip } : entry.hostname ? { hostname: entry.hostname } : undefined,
      )
      .filter((entry) => entry !== undefined);
    if (balancer.length > 0) return balancer;
    if (service.spec?.externalIPs?.length) return service.spec.externalIPs.map((ip) => ({ ip }));
    const clusterIp = service.spec?.clusterIP;
    return clusterIp && clusterIp !== 'None' ? [{ ip: clusterIp }] : [];
  }

  /** Every Ingress (and TCPIngress/UDPIngress) in the watched namespaces with the addresses it publishes now. */
  async list(): Promise<IngressState[]> {
    const namespaces = this.#options.namespaces.length > 0 ? this.#options.namespaces : [undefined];
    const ingresses = await Promise.all(
      namespaces.map((namespace) =>
        namespace
          ? this.#networking.listNamespacedIngress({ namespace })
          : this.#networking.listIngressForAllNamespaces(),
      ),
    );
    const streams = await Promise.all(
      STREAM_INGRESSES.flatMap(({ kind, plural }) =>
        namespaces.map(async (namespace) => ({ kind, items: await this.#listStream(plural, namespace) })),
      ),
    );
    return [
      ...ingresses.flatMap((list) => list.items.map((item) => stateOf('Ingress', item))),
      ...streams.flatMap(({ kind, items }) => items.map((item) => stateOf(kind, item))),
    ];
  }

  async write(ref: IngressRef, addresses: readonly V1IngressLoadBalancerIngress[]): Promise<void> {
    const body = { status: { loadBalancer: { ingress: addresses } } };
    if (ref.kind === 'Ingress') {
      await this.#networking.patchNamespacedIngressStatus(
        { name: ref.name, namespace: ref.namespace, body },
        MERGE_PATCH,
      );
      return;
    }
    const plural = STREAM_INGRESSES.find((s) => s.kind === ref.kind)!.plural;
    await this.#custom.patchNamespacedCustomObjectStatus(
      { group: KONG_GROUP, version: KONG_VERSION, plural, namespace: ref.namespace, name: ref.name, body },
      MERGE_PATCH,
    );
  }

  /** The stream Ingresses of one kind; none when the CRD is not installed (404). */
  async #listStream(plural: string, namespace: string | undefined): Promise<ListedObject[]> {
    try {
      const list = (await (namespace
        ? this.#custom.listNamespacedCustomObject({
            group: KONG_GROUP,
            version: KONG_VERSION,
            plural,
            namespace,
          })
        : this.#custom.listClusterCustomObject({ group: KONG_GROUP, version: KONG_VERSION, plural }))) as {
        items?: ListedObject[];
      };
      return list.items ?? [];
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return [];
      throw error;
    }
  }
}

function stateOf(kind: IngressKind, item: ListedObject): IngressState {
  return {
    kind,
    namespace: item.metadata?.namespace ?? '',
    name: item.metadata?.name ?? '',
    addresses: item.status?.loadBalancer?.ingress ?? [],
  };
}
