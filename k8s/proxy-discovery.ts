import { DiscoveryV1Api, type KubeConfig, makeInformer, type V1EndpointSlice } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ProxyEndpoint, RegistryChange } from '../domain/proxy.ts';
import type { Runnable } from '../lib/runnable.ts';
import { sleep } from '../lib/sleep.ts';

export interface AdminServiceRef {
  readonly namespace: string;
  readonly name: string;
}

export interface DiscoveryOptions {
  readonly kubeConfig: KubeConfig;
  readonly service: AdminServiceRef;
  /** Port names that carry the Admin API, first match wins. @defaultValue ['admin-tls', 'kong-admin-tls'] */
  readonly portNames?: readonly string[];
  /** @defaultValue 'https' */
  readonly scheme?: 'https' | 'http';
  /** TLS server name to verify; KIC's convention `pod.<svc>.<ns>.svc` when not given. */
  readonly serverName?: string;
  readonly apply: (endpoints: readonly ProxyEndpoint[]) => Promise<RegistryChange>;
  readonly logger: Logger;
  /** Re-apply the current list this often even without events (repairs a registry that lost data). @defaultValue 30000 */
  readonly resyncMs?: number;
  /**
   * Known proxies whose endpoint turned ready or not ready (a pod restarting, or one that got its
   * config back): a hint to look at them now. Newcomers and moved proxies come through `apply`.
   */
  readonly onReadinessChanged?: (ids: readonly string[]) => void;
}

/** One discovered proxy and whether its endpoint is ready (its pod passes its readiness probe). */
export interface DiscoveredProxy {
  readonly endpoint: ProxyEndpoint;
  readonly ready: boolean;
}

/**
 * The proxies behind one admin Service, from its EndpointSlices: one per pod, terminating endpoints
 * dropped (the pod is going away), not-ready ones kept (a proxy without config is not ready, and
 * only a push makes it ready).
 */
export function proxiesFromSlices(
  slices: readonly V1EndpointSlice[],
  options: Pick<DiscoveryOptions, 'service' | 'portNames' | 'scheme' | 'serverName'>,
): ProxyEndpoint[] {
  return discoveredProxies(slices, options).map((proxy) => proxy.endpoint);
}

/** As proxiesFromSlices, with each endpoint's readiness (unset in the slice means ready). */
export function discoveredProxies(
  slices: readonly V1EndpointSlice[],
  options: Pick<DiscoveryOptions, 'service' | 'portNames' | 'scheme' | 'serverName'>,
): DiscoveredProxy[] {
  const portNames = options.portNames ?? ['admin-tls', 'kong-admin-tls'];
  const scheme = options.scheme ?? 'https';
  const serverName = options.serverName ?? `pod.${options.service.name}.${options.service.namespace}.svc`;
  const byId = new Map<string, DiscoveredProxy>();
  // IPv4 first, so a dual-stack pod is reached over IPv4.
  const ordered = [...slices].sort(
    (a, b) => (a.addressType === 'IPv4' ? 0 : 1) - (b.addressType === 'IPv4' ? 0 : 1),
  );
  for (const slice of ordered) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const port = portNames.map((name) => slice.ports?.find((p) => p.name === name)).find((p) => p?.port);
    if (!port?.port) continue;
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.terminating === true) continue;
      const address = endpoint.addresses[0];
      if (!address) continue;
      const pod = endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef : undefined;
      const id = pod?.name ?? address;
      if (byId.has(id)) continue;
      const host = slice.addressType === 'IPv6' ? `[${address}]` : address;
      const endpointOfProxy: ProxyEndpoint = {
        id,
        adminUrl: `${scheme}://${host}:${port.port}`,
        source: 'EndpointSlice',
        ...(pod?.name
          ? { podRef: { name: pod.name, namespace: pod.namespace ?? options.service.namespace } }
          : {}),
        ...(scheme === 'https' ? { serverName } : {}),
      };
      byId.set(id, { endpoint: endpointOfProxy, ready: endpoint.conditions?.ready !== false });
    }
  }
  return [...byId.values()].sort((a, b) => a.endpoint.id.localeCompare(b.endpoint.id));
}

/** Ids known in both maps whose readiness differs. Pure. */
export function readinessChanges(
  before: ReadonlyMap<string, boolean>,
  after: ReadonlyMap<string, boolean>,
): string[] {
  return [...after].filter(([id, ready]) => before.has(id) && before.get(id) !== ready).map(([id]) => id);
}

/** Keeps the registry's discovered proxies equal to the admin Service's endpoints. */
export class ProxyDiscovery implements Runnable {
  readonly name = 'proxy-discovery';
  readonly #options: DiscoveryOptions;
  #listed = false;
  /** Each proxy's readiness at the last apply (memory only: after a restart everyone is pushed anyway). */
  #readiness = new Map<string, boolean>();
  /** Ends the wait for the next resync early (set while one waits). */
  #wake: () => void = () => {};

  constructor(options: DiscoveryOptions) {
    this.#options = options;
  }

  ready(): boolean {
    return this.#listed;
  }

  /** Re-applies the current endpoints now: the registry lost its data (Redis restarted empty). */
  refresh(): void {
    this.#wake();
  }

  async run(signal: AbortSignal): Promise<void> {
    const { kubeConfig, service, logger } = this.#options;
    const api = kubeConfig.makeApiClient(DiscoveryV1Api);
    const labelSelector = `kubernetes.io/service-name=${service.name}`;
    while (!signal.aborted) {
      const informer = makeInformer<V1EndpointSlice>(
        kubeConfig,
        `/apis/discovery.k8s.io/v1/namespaces/${service.namespace}/endpointslices`,
        () => api.listNamespacedEndpointSlice({ namespace: service.namespace, labelSelector }),
        labelSelector,
      );
      let pending = Promise.resolve();
      let failed = false;
      const reconcile = () => {
        pending = pending
          .then(() => this.#apply(informer.list()))
          .catch((err: unknown) => {
            logger.warn({ err }, 'could not update the proxy registry');
          });
      };
      informer.on('change', reconcile);
      informer.on('error', (err) => {
        failed = true;
        logger.warn({ err, service }, 'admin Service endpoint watch failed; restarting');
      });
      try {
        await informer.start();
        reconcile();
        await pending;
        this.#listed = true;
        while (!signal.aborted && !failed) {
          const woken = new AbortController();
          this.#wake = () => woken.abort();
          await sleep(this.#options.resyncMs ?? 30_000, AbortSignal.any([signal, woken.signal]));
          if (!failed) reconcile();
        }
      } catch (err) {
        logger.warn({ err, service }, 'cannot list the admin Service endpoints');
      } finally {
        await informer.stop();
        await pending;
      }
      await sleep(2000, signal);
    }
  }

  async #apply(slices: readonly V1EndpointSlice[]): Promise<void> {
    const discovered = discoveredProxies(slices, this.#options);
    const change = await this.#options.apply(discovered.map((proxy) => proxy.endpoint));
    const readiness = new Map(discovered.map((proxy) => [proxy.endpoint.id, proxy.ready]));
    const flipped = readinessChanges(this.#readiness, readiness);
    this.#readiness = readiness;
    if (flipped.length > 0) {
      this.#options.logger.info({ proxies: flipped }, 'proxy readiness changed; looking at them now');
      this.#options.onReadinessChanged?.(flipped);
    }
    if (change.added.length + change.removed.length + change.updated.length > 0) {
      this.#options.logger.info(
        {
          added: change.added.map((p) => p.id),
          removed: change.removed,
          updated: change.updated.map((p) => p.id),
        },
        'proxy fleet changed',
      );
    }
  }
}

/** Proxies given as a list of admin URLs (no Kubernetes discovery). */
export function staticProxies(urls: readonly string[], serverName?: string): ProxyEndpoint[] {
  return urls.map((adminUrl) => {
    const url = new URL(adminUrl);
    const id = `${url.hostname.replace(/[^a-zA-Z0-9-]/g, '-')}-${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
    return { id, adminUrl: url.origin, source: 'Static' as const, ...(serverName ? { serverName } : {}) };
  });
}
