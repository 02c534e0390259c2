import { buildConfig } from '../jobs/build.ts';
import type {
  AdminApi,
  EventSink,
  FleetApi,
  GatewayStatusApi,
  IngressStatusApi,
  PipelineDeps,
  PipelineMetrics,
  PropagationPorts,
  TrafficPorts,
} from '../jobs/ports.ts';
import { instanceName, type ProxyInstances } from '../k8s/proxy-instances.ts';
import type { TranslateSettings } from '../kong/translate/index.ts';
import { BuildStore } from '../queue/store/build-store.ts';
import { ConvergenceTracker } from '../queue/store/convergence.ts';
import { DriftReports } from '../queue/store/drift-reports.ts';
import { ObjectStore } from '../queue/store/object-store.ts';
import { PropagationStore } from '../queue/store/propagation-store.ts';
import { ProxyRegistry } from '../queue/store/proxy-registry.ts';
import { PushClaims } from '../queue/store/push-claims.ts';
import { RolloutStore } from '../queue/store/rollout-store.ts';
import type { SealedValues } from '../queue/store/sealed-values.ts';
import { ShadowStore } from '../queue/store/shadow-store.ts';
import { SnapshotCache } from '../queue/store/snapshot-cache.ts';
import { TrafficStore } from '../queue/store/traffic-store.ts';
import type { RuntimeIo } from './runtime.ts';

export interface PipelineParts {
  readonly prefix: string;
  readonly admin: AdminApi;
  readonly events: EventSink;
  readonly fleet: FleetApi;
  readonly ingressStatus?: IngressStatusApi;
  readonly gatewayStatus?: GatewayStatusApi;
  readonly translateSettings: TranslateSettings;
  readonly minimumKongVersion: string;
  readonly metrics?: PipelineMetrics;
  /** Builds kept besides those in use (KONG_FLEET_BUILDS_KEPT). @defaultValue 5 */
  readonly buildsKept?: number;
  /** Seals Secrets and build texts at rest (queue/store/sealed-values.ts). */
  readonly sealed?: SealedValues;
  /** Propagation status and the Pod gate writers (the store is made here); absent: both off. */
  readonly propagation?: Omit<PropagationPorts, 'store'>;
  /** Where traffic is scraped: the Status API client and its settings (the store is made here). */
  readonly traffic?: Omit<TrafficPorts, 'store'> & {
    readonly retentionMs: number;
    readonly maxRoutes: number;
  };
}

/** The job handlers' dependencies on the runtime's Redis connection and producer. */
export function pipelineDeps(io: RuntimeIo, parts: PipelineParts): PipelineDeps {
  const { prefix, sealed } = parts;
  return {
    objects: new ObjectStore({ redis: io.redis, prefix, ...(sealed ? { sealed } : {}) }),
    snapshot: new SnapshotCache(),
    builds: new BuildStore({
      redis: io.redis,
      prefix,
      ...(sealed ? { sealed } : {}),
      ...(parts.buildsKept ? { keep: parts.buildsKept } : {}),
    }),
    rollouts: new RolloutStore({ redis: io.redis, prefix }),
    registry: new ProxyRegistry({ redis: io.redis, prefix }),
    driftReports: new DriftReports({ redis: io.redis, prefix }),
    convergence: new ConvergenceTracker({ redis: io.redis, prefix }),
    shadow: new ShadowStore({ redis: io.redis, prefix }),
    pushClaims: new PushClaims({ redis: io.redis, prefix }),
    producer: io.producer,
    admin: parts.admin,
    events: parts.events,
    fleet: parts.fleet,
    ...(parts.ingressStatus ? { ingressStatus: parts.ingressStatus } : {}),
    ...(parts.gatewayStatus ? { gatewayStatus: parts.gatewayStatus } : {}),
    requestBuild: async (reason) => {
      await io.producer.enqueue(buildConfig, { reason: reason.slice(0, 300) });
    },
    translateSettings: parts.translateSettings,
    minimumKongVersion: parts.minimumKongVersion,
    ...(parts.metrics ? { metrics: parts.metrics } : {}),
    ...(parts.propagation
      ? { propagation: { ...parts.propagation, store: new PropagationStore({ redis: io.redis, prefix }) } }
      : {}),
    ...(parts.traffic
      ? {
          traffic: {
            scraper: parts.traffic.scraper,
            statusPort: parts.traffic.statusPort,
            intervalMs: parts.traffic.intervalMs,
            store: new TrafficStore({
              redis: io.redis,
              prefix,
              retentionMs: parts.traffic.retentionMs,
              maxRoutes: parts.traffic.maxRoutes,
            }),
          },
        }
      : {}),
  };
}

/** The fleet port over the ProxyInstance/ProxyFleet objects. */
export function fleetApi(instances: ProxyInstances, staleAfterMs: number): FleetApi {
  return {
    repairMode: () => instances.repairMode(),
    modeSpec: (options) => instances.modeSpec(options),
    rolloutSpec: () => instances.rolloutSpec(),
    fleetRef: () => instances.fleetRef(),
    instanceRef: (proxyId) => instances.instanceRef(proxyId),
    writeInstance: (proxy, status, previous) => instances.upsert(proxy, status, previous),
    deleteInstance: (proxyId) => instances.delete(proxyId),
    listInstances: () => instances.list(),
    instanceName,
    writeFleetStatus: (status) => instances.writeFleetStatus(status),
    staleAfterMs,
  };
}
