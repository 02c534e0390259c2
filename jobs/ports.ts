/**
 * What the job handlers need from the outside world, as narrow interfaces. workers/controller.ts
 * passes the real implementations; handlers never construct clients.
 */
import type { EventType, InvolvedObject } from '../k8s/event-recorder.ts';
import type { AdminResponse, AdminTarget } from '../kong/admin/client.ts';
import type { TranslateSettings } from '../kong/translate/index.ts';
import type { JobProducer } from '../queue/producer.ts';
import type { BuildStore } from '../queue/store/build-store.ts';
import type { ObjectStore } from '../queue/store/object-store.ts';
import type { ProxyRegistry } from '../queue/store/proxy-registry.ts';
import type { SnapshotCache } from '../queue/store/snapshot-cache.ts';

export interface EventSink {
  record(object: InvolvedObject, type: EventType, reason: string, message: string): Promise<boolean>;
}

export interface AdminApi {
  postConfig(target: AdminTarget, configText: string, signal?: AbortSignal): Promise<AdminResponse>;
  status(target: AdminTarget, signal?: AbortSignal): Promise<AdminResponse>;
  info(target: AdminTarget, signal?: AbortSignal): Promise<AdminResponse>;
}

/** Counters and timings the jobs report (workers/metrics.ts implements them; tests may omit them). */
export interface PipelineMetrics {
  buildFinished(outcome: { durationMs: number; sizeBytes: number; pushed: boolean; hash: string }): void;
  pushFinished(outcome: { proxy: string; result: string; reason: string; durationMs: number }): void;
}

export interface PipelineDeps {
  readonly objects: ObjectStore;
  readonly snapshot: SnapshotCache;
  readonly builds: BuildStore;
  readonly registry: ProxyRegistry;
  readonly producer: JobProducer;
  readonly admin: AdminApi;
  readonly events: EventSink;
  /** Adds a (coalesced) build job; see jobs/build.ts. */
  readonly requestBuild: (reason: string) => Promise<void>;
  readonly translateSettings: TranslateSettings;
  /** Proxies older than this Kong version are not pushed to (state Incompatible). */
  readonly minimumKongVersion: string;
  readonly metrics?: PipelineMetrics;
}
