import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { buildConfig } from '../jobs/build.ts';
import type { PipelineDeps } from '../jobs/ports.ts';
import { pushConfig, pushEveryProxy } from '../jobs/push.ts';
import { EventRecorder } from '../k8s/event-recorder.ts';
import { loadKubeConfig } from '../k8s/kube-config.ts';
import { LeaderElector } from '../k8s/leader-election.ts';
import { ProxyDiscovery, staticProxies } from '../k8s/proxy-discovery.ts';
import { StaticProxies } from '../k8s/static-proxies.ts';
import { WatchSet } from '../k8s/watch-set.ts';
import { KongAdminClient } from '../kong/admin/client.ts';
import { ReloadingTlsCredentials } from '../kong/admin/tls-credentials.ts';
import { resolveSettings } from '../kong/translate/index.ts';
import type { JobOverride, Role } from '../queue/define-job.ts';
import { BuildStore } from '../queue/store/build-store.ts';
import { ObjectStore } from '../queue/store/object-store.ts';
import { type ProxyEndpoint, ProxyRegistry, type ProxySource } from '../queue/store/proxy-registry.ts';
import { SnapshotCache } from '../queue/store/snapshot-cache.ts';
import type { Runnable } from './runnable.ts';
import type { RuntimeIo, RuntimeOptions } from './runtime.ts';
import type { Settings } from './settings.ts';

export interface Controller {
  readonly deps: (io: RuntimeIo) => Promise<PipelineDeps>;
  readonly runnables: NonNullable<RuntimeOptions<PipelineDeps>['runnables']>;
  readonly leaderElection: RuntimeOptions<PipelineDeps>['leaderElection'];
  readonly jobOverrides: Readonly<Record<string, JobOverride>>;
  /** Releases what deps() opened (HTTP agents). */
  close(): Promise<void>;
}

/**
 * Everything `kong-fleet run` wires together: the stores, the Kubernetes and Kong clients, the job
 * dependencies, and the long-lived parts of each role. The one place that turns settings into
 * real I/O.
 */
export function createController(settings: Settings, logger: Logger): Controller {
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  const hasTls = settings.adminTlsCert || settings.adminTlsKey || settings.adminTlsCa;
  const credentials = hasTls
    ? new ReloadingTlsCredentials(
        { certFile: settings.adminTlsCert, keyFile: settings.adminTlsKey, caFile: settings.adminTlsCa },
        logger.child({ component: 'admin-tls' }),
      )
    : undefined;
  const admin = new KongAdminClient({ credentials });
  const events = new EventRecorder({ kubeConfig, logger });
  let pipeline: PipelineDeps | undefined;

  async function deps(io: RuntimeIo): Promise<PipelineDeps> {
    if (credentials) await credentials.load();
    const prefix = settings.queuePrefix;
    pipeline = {
      objects: new ObjectStore({ redis: io.redis, prefix }),
      snapshot: new SnapshotCache(),
      builds: new BuildStore({ redis: io.redis, prefix }),
      registry: new ProxyRegistry({ redis: io.redis, prefix }),
      producer: io.producer,
      admin,
      events,
      requestBuild: async (reason) => {
        await io.producer.enqueue(buildConfig, { reason: reason.slice(0, 300) });
      },
      translateSettings: resolveSettings({
        ingressClass: settings.ingressClass,
        featureFlags: settings.featureGates,
      }),
      minimumKongVersion: settings.minKongVersion,
    };
    return pipeline;
  }

  /** Registers one source's proxies and pushes at once to every new or moved one. */
  async function applyFleet(deps: PipelineDeps, source: ProxySource, endpoints: readonly ProxyEndpoint[]) {
    const change = await deps.registry.replaceSource(source, endpoints);
    await Promise.all(
      [...change.added, ...change.updated].map((proxy) =>
        deps.producer.enqueue(pushConfig, { proxy: proxy.id }),
      ),
    );
    return change;
  }

  function runnables(_io: RuntimeIo, deps: PipelineDeps): { role: Role; runnable: Runnable }[] {
    const parts: { role: Role; runnable: Runnable }[] = [
      {
        role: 'leader',
        runnable: new WatchSet({
          kubeConfig,
          store: deps.objects,
          namespaces: settings.watchNamespaces,
          onChange: (reason) => {
            deps
              .requestBuild(reason)
              .catch((err: unknown) => logger.warn({ err }, 'could not request a build'));
          },
          // A new leader cannot know which pushes its predecessor left unfinished: ask every proxy
          // to converge (an up-to-date proxy answers 304).
          onSynced: () => {
            pushEveryProxy(deps).catch((err: unknown) => logger.warn({ err }, 'could not queue pushes'));
          },
          logger: logger.child({ component: 'watch' }),
        }),
      },
    ];
    if (settings.adminService) {
      const [namespace, name] = settings.adminService.split('/') as [string, string];
      parts.push({
        role: 'leader',
        runnable: new ProxyDiscovery({
          kubeConfig,
          service: { namespace, name },
          portNames: settings.adminPortNames,
          serverName: settings.adminTlsServerName,
          apply: (endpoints) => applyFleet(deps, 'EndpointSlice', endpoints),
          logger: logger.child({ component: 'discovery' }),
        }),
      });
    }
    if (settings.proxies.length > 0) {
      parts.push({
        role: 'leader',
        runnable: new StaticProxies({
          endpoints: staticProxies(settings.proxies, settings.adminTlsServerName),
          apply: (endpoints) => applyFleet(deps, 'Static', endpoints),
          logger,
        }),
      });
    }
    // Every process that talks to proxies keeps its client certificate fresh.
    const talksToProxies = (['push', 'drift'] as const).find((role) => settings.roles.includes(role));
    if (credentials && talksToProxies) {
      parts.push({
        role: talksToProxies,
        runnable: { name: 'admin-tls-reload', run: (signal) => credentials.watch(signal) },
      });
    }
    return parts;
  }

  const leaderElection: Controller['leaderElection'] = settings.leaderElection
    ? (lead) =>
        new LeaderElector({
          kubeConfig,
          namespace: settings.leaseNamespace ?? process.env.POD_NAMESPACE ?? 'default',
          identity: `${process.env.POD_NAME ?? hostname()}-${randomBytes(4).toString('hex')}`,
          lead,
          logger: logger.child({ component: 'leader-election' }),
        })
    : undefined;

  return {
    deps,
    runnables,
    leaderElection,
    jobOverrides: { push: { backoff: { baseMs: 500, capMs: settings.pushBackoffCapMs, jitter: 0.3 } } },
    close: () => admin.close(),
  };
}
