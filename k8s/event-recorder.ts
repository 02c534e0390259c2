import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { EventReason } from '../domain/event-reasons.ts';

/** The object an Event is about. */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /** The same event (object, reason, message) is not repeated within this window. @defaultValue 600000 */
  readonly dedupWindowMs?: number;
  /** At most this many events per object per minute; a flapping proxy cannot flood the API. @defaultValue 6 */
  readonly maxPerObjectPerMinute?: number;
  /** @defaultValue os hostname */
  readonly instance?: string;
  readonly now?: () => number;
}

const MAX_MESSAGE = 1024;

/**
 * Writes core/v1 Events (what `kubectl describe` and `kubectl get events` show) about the objects the
 * controller could not use or the proxies it manages. Deduplicated and rate-limited per object.
 */
export class EventRecorder {
  readonly #options: EventRecorderOptions;
  readonly #api: CoreV1Api;
  readonly #recent = new Map<string, number>();
  readonly #perObject = new Map<string, number[]>();

  constructor(options: EventRecorderOptions) {
    this.#options = options;
    this.#api = options.kubeConfig.makeApiClient(CoreV1Api);
  }

  /** Records an event unless an identical one was recorded recently. Never throws. Returns whether it was written. */
  async record(
    object: InvolvedObject,
    type: EventType,
    reason: EventReason,
    message: string,
  ): Promise<boolean> {
    const now = (this.#options.now ?? Date.now)();
    const objectId = `${object.kind}/${object.namespace ?? ''}/${object.name}`;
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
    const dedupKey = `${objectId}|${reason}|${text}`;
    const last = this.#recent.get(dedupKey);
    if (last !== undefined && now - last < (this.#options.dedupWindowMs ?? 600_000)) return false;
    const window = (this.#perObject.get(objectId) ?? []).filter((at) => now - at < 60_000);
    if (window.length >= (this.#options.maxPerObjectPerMinute ?? 6)) return false;
    window.push(now);
    this.#perObject.set(objectId, window);
    this.#recent.set(dedupKey, now);
    this.#forgetOld(now);

    // Events about cluster-scoped objects live in "default", as kubectl expects.
    const namespace = object.namespace || 'default';
    const timestamp = new Date(now);
    try {
      await this.#api.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `${object.name}.${randomBytes(8).toString('hex')}`, namespace },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.name,
            namespace: object.namespace || undefined,
            uid: object.uid,
          },
          type,
          reason,
          message: text,
          count: 1,
          firstTimestamp: timestamp,
          lastTimestamp: timestamp,
          source: { component: 'kong-fleet' },
          reportingComponent: 'kong-fleet',
          reportingInstance: this.#options.instance ?? process.env.HOSTNAME ?? 'kong-fleet',
        },
      });
      return true;
    } catch (err) {
      this.#options.logger.warn({ err, object: objectId, reason }, 'could not record a Kubernetes event');
      return false;
    }
  }

  #forgetOld(now: number): void {
    if (this.#recent.size < 4096) return;
    const window = this.#options.dedupWindowMs ?? 600_000;
    for (const [key, at] of this.#recent) if (now - at >= window) this.#recent.delete(key);
    for (const [key, times] of this.#perObject)
      if (times.every((at) => now - at >= 60_000)) this.#perObject.delete(key);
  }
}
