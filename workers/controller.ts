import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { PUSH_BACKOFF, staleAfterMs as staleAfterMsFor } from '../domain/policies.ts';
import type { ProxyEndpoint, ProxySource } from '../domain/proxy.ts';
import { jobs } from '../jobs/index.ts';
import type { PipelineDeps } from '../jobs/ports.ts';
import { requestStatusUpdate } from '../jobs/proxy-status.ts';
import { pushConfig, pushEveryProxy } from '../jobs/push.ts';
import { StatusProbe } from '../jobs/status-probe.ts';
import { EventRecorder } from '../k8s/event-recorder.ts';
import { GatewayStatusWriter } from '../k8s/gateway-status.ts';
import { IngressStatusWriter } from '../k8s/ingress-status.ts';
import { loadKubeConfig } from '../k8s/kube-config.ts';
import { LeaderElector } from '../k8s/leader-election.ts';
import { PodReadinessWriter, PropagationStatusWriter } from '../k8s/propagation-status.ts';
import { ProxyDiscovery, staticProxies } from '../k8s/proxy-discovery.ts';
import { ProxyInstances } from '../k8s/proxy-instances.ts';
import { StaticProxies } from '../k8s/static-proxies.ts';
import { WatchSet } from '../k8s/watch-set.ts';
import { KongAdminClient } from '../kong/admin/client.ts';
import { StatusMetricsClient } from '../kong/admin/status-metrics.ts';
import { ReloadingTlsCredentials } from '../kong/admin/tls-credentials.ts';
import { resolveSettings } from '../kong/translate/index.ts';
import type { Runnable } from '../lib/runnable.ts';
import type { JobOverride, Role } from '../queue/define-job.ts';
import { FleetCounters } from '../queue/store/fleet-counters.ts';
import { StorageKeys } from '../queue/store/storage-keys.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { fleetApi, pipelineDeps } from './pipeline-deps.ts';
import type { RuntimeIo, RuntimeOptions } from './runtime.ts';
import type { Settings } from './settings.ts';

/** How often the storage key file is re-read. */
const STORAGE_KEY_RELOAD_MS = 2000;

export interface Controller {
  readonly deps: (io: RuntimeIo) => Promise<PipelineDeps>;
  /** The dependencies once deps() ran (HTTP routes answer 503 before). */
  readonly current: () => PipelineDeps | undefined;
  readonly metrics: Metrics;
  /** A proxy not heard from for this long is shown Unreachable. */
  readonly staleAfterMs: number;
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
  const storageKeys = new StorageKeys(settings.storageKeyFile, logger.child({ component: 'storage-keys' }));
  const admin = new KongAdminClient({ credentials, timeouts: { capMs: settings.adminTimeoutCapMs } });
  const scraper = new StatusMetricsClient();
  const events = new EventRecorder({ kubeConfig, logger });
  const namespace = settings.namespace ?? process.env.POD_NAMESPACE ?? 'default';
  const instances = new ProxyInstances({
    kubeConfig,
    namespace,
    fleetName: settings.fleetName,
    defaultRepairMode: settings.repairMode,
    defaultMode: settings.fleetMode,
    logger: logger.child({ component: 'proxy-instances' }),
  });
  const staleAfterMs = staleAfterMsFor(settings.driftIntervalMs);
  const fleet = fleetApi(instances, staleAfterMs);
  const metrics = createMetrics({ processMetrics: true });
  const publishing =
    settings.publishService || settings.publishAddresses.length > 0
      ? new IngressStatusWriter({
          kubeConfig,
          publishService: settings.publishService,
          publishAddresses: settings.publishAddresses,
          namespaces: settings.watchNamespaces,
        })
      : undefined;
  const gatewayStatus = new GatewayStatusWriter({ kubeConfig, namespaces: settings.watchNamespaces });
  const propagation =
    settings.propagationStatus || settings.readinessGate
      ? {
          ...(settings.propagationStatus
            ? {
                objects: new PropagationStatusWriter({
                  kubeConfig,
                  ourControllers: settings.gatewayControllerNames,
                }),
              }
            : {}),
          ...(settings.readinessGate ? { pods: new PodReadinessWriter({ kubeConfig }) } : {}),
          gateGraceMs: settings.readinessGateGraceMs,
        }
      : undefined;
  let current: PipelineDeps | undefined;

  async function deps(io: RuntimeIo): Promise<PipelineDeps> {
    if (credentials) await credentials.load();
    await storageKeys.load();
    if (!storageKeys.configured) {
      logger.warn(
        'no storage key file (KONG_FLEET_STORAGE_KEY_FILE): Secrets and build texts are stored in Redis unencrypted',
      );
    }
    current = pipelineDeps(io, {
      prefix: settings.queuePrefix,
      sealed: storageKeys.sealed,
      buildsKept: settings.buildsKept,
      admin,
      events,
      fleet,
      metrics: metrics.pipeline,
      ...(publishing ? { ingressStatus: publishing } : {}),
      gatewayStatus,
      ...(propagation ? { propagation } : {}),
      translateSettings: resolveSettings({
        ingressClass: settings.ingressClass,
        featureFlags: settings.featureGates,
        gatewayControllerNames: settings.gatewayControllerNames,
        enableDrainSupport: settings.enableDrainSupport,
        ingressNamespaceConflicts: settings.ingressNamespaceConflicts,
      }),
      minimumKongVersion: settings.minKongVersion,
      traffic: {
        scraper,
        statusPort: settings.trafficStatusPort,
        intervalMs: settings.trafficScrapeIntervalMs,
        retentionMs: settings.trafficRetentionMs,
        maxRoutes: settings.trafficMaxRoutes,
      },
    });
    metrics.attach({
      producer: io.producer,
      registry: current.registry,
      builds: current.builds,
      rollouts: current.rollouts,
      counters: new FleetCounters({ redis: io.redis, prefix: settings.queuePrefix }),
      queues: jobs.map((job) => job.name),
      staleAfterMs,
      ...(current.traffic ? { traffic: current.traffic.store } : {}),
    });
    return current;
  }

  /** Registers one source's proxies and pushes at once to every new or moved one. */
  async function applyFleet(deps: PipelineDeps, source: ProxySource, endpoints: readonly ProxyEndpoint[]) {
    const change = await deps.registry.replaceSource(source, endpoints);
    const arrived = [...change.added, ...change.updated].map((proxy) => proxy.id);
    await Promise.all([
      ...arrived.map((proxy) => deps.producer.enqueue(pushConfig, { proxy })),
      // A removed proxy's ProxyInstance is deleted by its status job.
      ...[...arrived, ...change.removed].map((proxy) => requestStatusUpdate(deps, proxy)),
    ]);
    return change;
  }

  function runnables(_io: RuntimeIo, deps: PipelineDeps): { role: Role; runnable: Runnable }[] {
    /** Where the registry's proxies come from; asked again when the store turns out to be wiped. */
    const fleetSources: { refresh(): void }[] = [];
    const parts: { role: Role; runnable: Runnable }[] = [
      {
        role: 'leader',
        runnable: new WatchSet({
          kubeConfig,
          store: deps.objects,
          namespaces: settings.watchNamespaces,
          secretLabelSelector: settings.secretLabelSelector,
          onChange: (reason) => {
            deps
              .requestBuild(reason)
              .catch((err: unknown) => logger.warn({ err }, 'could not request a build'));
          },
          // A new leader cannot know which pushes its predecessor left unfinished: ask every proxy
          // to converge (an up-to-date proxy answers 304). After a wipe the registry is empty too:
          // re-registering pushes to every proxy found again.
          onSynced: () => {
            for (const source of fleetSources) source.refresh();
            pushEveryProxy(deps).catch((err: unknown) => logger.warn({ err }, 'could not queue pushes'));
          },
          logger: logger.child({ component: 'watch' }),
        }),
      },
    ];
    if (settings.adminService) {
      const [namespace, name] = settings.adminService.split('/') as [string, string];
      const discovery = new ProxyDiscovery({
        kubeConfig,
        service: { namespace, name },
        portNames: settings.adminPortNames,
        serverName: settings.adminTlsServerName,
        apply: (endpoints) => applyFleet(deps, 'EndpointSlice', endpoints),
        // A pod whose readiness flipped may have restarted (and lost its config): push now, not at the
        // next probe or drift check; an unchanged proxy answers 304.
        onReadinessChanged: (ids) => {
          Promise.all(ids.map((proxy) => deps.producer.expedite(pushConfig, { proxy }))).catch(
            (err: unknown) => logger.warn({ err }, 'could not queue pushes'),
          );
        },
        logger: logger.child({ component: 'discovery' }),
      });
      fleetSources.push(discovery);
      parts.push({ role: 'leader', runnable: discovery });
    }
    if (settings.proxies.length > 0) {
      const listed = new StaticProxies({
        endpoints: staticProxies(settings.proxies, settings.adminTlsServerName),
        apply: (endpoints) => applyFleet(deps, 'Static', endpoints),
        logger,
      });
      fleetSources.push(listed);
      parts.push({ role: 'leader', runnable: listed });
    }
    if (settings.statusProbeIntervalMs > 0) {
      parts.push({
        role: 'drift',
        runnable: new StatusProbe({
          deps,
          intervalMs: settings.statusProbeIntervalMs,
          maxPerSecond: settings.statusProbeRate,
          logger: logger.child({ component: 'status-probe' }),
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
    if (storageKeys.configured) {
      // Every process reads sealed values: each follows the key file. After a rotation the values
      // still sealed with an older key are rewritten with the new one (idempotent, compare-and-set),
      // after which the old key can leave the file.
      parts.push({
        role: settings.roles.find((role) => role !== 'leader') ?? 'leader',
        runnable: {
          name: 'storage-keys-reload',
          run: (signal) =>
            storageKeys.watch(signal, STORAGE_KEY_RELOAD_MS, () => {
              Promise.all([deps.objects.reseal(), deps.builds.reseal()])
                .then(([objects, builds]) =>
                  logger.info(
                    { objects, builds, key: storageKeys.sealed.currentKeyId },
                    'stored values resealed',
                  ),
                )
                .catch((err: unknown) =>
                  logger.warn({ err }, 'could not reseal stored values; retried on the next change'),
                );
            }),
        },
      });
    }
    return parts;
  }

  const leaderElection: Controller['leaderElection'] = settings.leaderElection
    ? (lead) =>
        new LeaderElector({
          kubeConfig,
          namespace,
          identity: `${process.env.POD_NAME ?? hostname()}-${randomBytes(4).toString('hex')}`,
          lead,
          logger: logger.child({ component: 'leader-election' }),
        })
    : undefined;

  return {
    deps,
    current: () => current,
    metrics,
    staleAfterMs,
    runnables,
    leaderElection,
    jobOverrides: {
      push: { backoff: { ...PUSH_BACKOFF, capMs: settings.pushBackoffCapMs } },
      'drift-check': { schedule: { every: settings.driftIntervalMs } },
      'traffic-scrape': { schedule: { every: settings.trafficScrapeIntervalMs } },
    },
    close: async () => {
      await Promise.all([admin.close(), scraper.close()]);
    },
  };
}
