import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { GatewayStatusApi, IngressStatusApi, PipelineDeps, PropagationPorts } from '../../jobs/ports.ts';
import { EventRecorder } from '../../k8s/event-recorder.ts';
import { ProxyInstances } from '../../k8s/proxy-instances.ts';
import { KongAdminClient } from '../../kong/admin/client.ts';
import { resolveSettings } from '../../kong/translate/index.ts';
import { JobProducer } from '../../queue/producer.ts';
import { BuildStore } from '../../queue/store/build-store.ts';
import { DriftReports } from '../../queue/store/drift-reports.ts';
import { ObjectStore } from '../../queue/store/object-store.ts';
import { ProxyRegistry } from '../../queue/store/proxy-registry.ts';
import { fleetApi, pipelineDeps } from '../../workers/pipeline-deps.ts';
import type { RuntimeIo } from '../../workers/runtime.ts';
import { kubeConfig } from './kube.ts';
import { redisUrl } from './redis.ts';

export interface TestPipeline {
  readonly deps: (io: RuntimeIo) => PipelineDeps;
  /** The same stores, on a connection of the test's own, to arrange and inspect state. */
  readonly objects: ObjectStore;
  readonly builds: BuildStore;
  readonly registry: ProxyRegistry;
  readonly driftReports: DriftReports;
  readonly producer: JobProducer;
  close(): Promise<void>;
}

export interface TestPipelineOptions {
  /** Namespace of the ProxyInstances, the ProxyFleet and their Events. */
  readonly namespace: string;
  readonly admin?: KongAdminClient;
  /** @defaultValue 30000 */
  readonly staleAfterMs?: number;
  /** Ingress status (and the publish addresses Gateways get); none by default. */
  readonly ingressStatus?: IngressStatusApi;
  /** Gateway API status; none by default. */
  readonly gatewayStatus?: GatewayStatusApi;
  /** Propagation status and Pod gate writers (the store is the pipeline's); none by default. */
  readonly propagation?: Omit<PropagationPorts, 'store'>;
}

/** The controller's real pipeline dependencies for one test prefix and namespace (Redis, Admin API, the API server). */
export function testPipeline(prefix: string, options: TestPipelineOptions): TestPipeline {
  const redis = new Redis(redisUrl());
  const admin = options.admin ?? new KongAdminClient();
  const logger = pino({ level: 'silent' });
  const instances = new ProxyInstances({
    kubeConfig: kubeConfig(),
    namespace: options.namespace,
    defaultRepairMode: 'enforce',
    logger,
  });
  const producer = new JobProducer({ connection: redis, prefix });
  return {
    deps: (io) =>
      pipelineDeps(io, {
        prefix,
        admin,
        events: new EventRecorder({ kubeConfig: kubeConfig(), logger }),
        fleet: fleetApi(instances, options.staleAfterMs ?? 30_000),
        ...(options.ingressStatus ? { ingressStatus: options.ingressStatus } : {}),
        ...(options.gatewayStatus ? { gatewayStatus: options.gatewayStatus } : {}),
        ...(options.propagation ? { propagation: options.propagation } : {}),
        translateSettings: resolveSettings(),
        minimumKongVersion: '3.4.1',
      }),
    objects: new ObjectStore({ redis, prefix }),
    builds: new BuildStore({ redis, prefix }),
    registry: new ProxyRegistry({ redis, prefix }),
    driftReports: new DriftReports({ redis, prefix }),
    producer,
    async close() {
      await producer.close();
      await admin.close();
      redis.disconnect();
    },
  };
}
