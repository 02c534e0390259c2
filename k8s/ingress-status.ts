import {
  CoreV1Api,
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

export interface IngressRef {
  readonly namespace: string;
  readonly name: string;
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

  constructor(options: IngressStatusOptions) {
    this.#options = options;
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#networking = options.kubeConfig.makeApiClient(NetworkingV1Api);
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

  /** Every Ingress in the watched namespaces with the addresses its status publishes now. */
  async list(): Promise<IngressState[]> {
    const namespaces = this.#options.namespaces.length > 0 ? this.#options.namespaces : [undefined];
    const lists = await Promise.all(
      namespaces.map((namespace) =>
        namespace
          ? this.#networking.listNamespacedIngress({ namespace })
          : this.#networking.listIngressForAllNamespaces(),
      ),
    );
    return lists.flatMap((list) =>
      list.items.map((ingress) => ({
        namespace: ingress.metadata?.namespace ?? '',
        name: ingress.metadata?.name ?? '',
        addresses: ingress.status?.loadBalancer?.ingress ?? [],
      })),
    );
  }

  async write(ref: IngressRef, addresses: readonly V1IngressLoadBalancerIngress[]): Promise<void> {
    await this.#networking.patchNamespacedIngressStatus(
      {
        name: ref.name,
        namespace: ref.namespace,
        body: { status: { loadBalancer: { ingress: addresses } } },
      },
      MERGE_PATCH,
    );
  }
}
