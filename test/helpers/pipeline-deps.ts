import { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildConfig } from '../../jobs/build.ts';
import type { PipelineDeps } from '../../jobs/ports.ts';
import { EventRecorder } from '../../k8s/event-recorder.ts';
import { KongAdminClient } from '../../kong/admin/client.ts';
import { resolveSettings } from '../../kong/translate/index.ts';
import { JobProducer } from '../../queue/producer.ts';
import { BuildStore } from '../../queue/store/build-store.ts';
import { ObjectStore } from '../../queue/store/object-store.ts';
import { ProxyRegistry } from '../../queue/store/proxy-registry.ts';
import { SnapshotCache } from '../../queue/store/snapshot-cache.ts';
import type { RuntimeIo } from '../../workers/runtime.ts';
import { kubeConfig } from './kube.ts';
import { redisUrl } from './redis.ts';

export interface TestPipeline {
  readonly deps: (io: RuntimeIo) => PipelineDeps;
  /** The same stores, on a connection of the test's own, to arrange and inspect state. */
  readonly objects: ObjectStore;
  readonly builds: BuildStore;
  readonly registry: ProxyRegistry;
  readonly producer: JobProducer;
  close(): Promise<void>;
}

/** Real pipeline dependencies for one test prefix: Redis stores, the Admin API client, Events on the real apiserver. */
export function testPipeline(prefix: string, options: { admin?: KongAdminClient } = {}): TestPipeline {
  const redis = new Redis(redisUrl());
  const admin = options.admin ?? new KongAdminClient();
  const events = new EventRecorder({ kubeConfig: kubeConfig(), logger: pino({ level: 'silent' }) });
  const producer = new JobProducer({ connection: redis, prefix });
  return {
    deps: (io) => ({
      objects: new ObjectStore({ redis: io.redis, prefix }),
      snapshot: new SnapshotCache(),
      builds: new BuildStore({ redis: io.redis, prefix }),
      registry: new ProxyRegistry({ redis: io.redis, prefix }),
      producer: io.producer,
      admin,
      events,
      requestBuild: async (reason) => {
        await io.producer.enqueue(buildConfig, { reason });
      },
      translateSettings: resolveSettings(),
      minimumKongVersion: '3.4.1',
    }),
    objects: new ObjectStore({ redis, prefix }),
    builds: new BuildStore({ redis, prefix }),
    registry: new ProxyRegistry({ redis, prefix }),
    producer,
    async close() {
      await producer.close();
      await admin.close();
      redis.disconnect();
    },
  };
}
