import { randomUUID } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Runnable } from '../lib/runnable.ts';
import { sleep } from '../lib/sleep.ts';
import { type ObjectSink, ResourceWatcher } from './resource-watcher.ts';
import { configMapGate, SecretGate } from './secret-gate.ts';
import { type WatchedKind, watchedKinds } from './watched-kinds.ts';

/** The state store as the watch set needs it. */
export interface WatchedStore extends ObjectSink {
  setSynced(token: string | null): Promise<void>;
  syncedToken(): Promise<string | null>;
}

export interface WatchSetOptions {
  readonly kubeConfig: KubeConfig;
  readonly store: WatchedStore;
  /** Watch only these namespaces; empty or undefined watches all. */
  readonly namespaces?: readonly string[];
  /** @defaultValue every kind the translator reads */
  readonly kinds?: readonly WatchedKind[];
  /** Something changed that a build should see (also called once after every full sync). */
  readonly onChange: (reason: string) => void;
  /** Every informer has (re)listed and the store is marked synced. */
  readonly onSynced?: () => void;
  readonly logger: Logger;
  /** How often the sync mark in the store is checked. @defaultValue 2000 */
  readonly guardIntervalMs?: number;
  readonly watchdogMs?: number;
  /** Secrets stored without a reference (as KIC's --secret-label-selector). @defaultValue none */
  readonly secretLabelSelector?: Readonly<Record<string, string>>;
}

/**
 * Every informer the translator needs, run together. Marks the store synced only once all of them
 * have stored their first list (no build sees a half-listed cluster), and lists everything again
 * when the mark disappears — the store lost its data, for example Redis restarted empty.
 */
export class WatchSet implements Runnable {
  readonly name = 'watch-set';
  readonly #options: WatchSetOptions;
  readonly #watchers: ResourceWatcher[];
  #synced = false;
  /** False while the sync mark cannot be read: the store may be gone, builds would see nothing new. */
  #storeAnswers = true;

  constructor(options: WatchSetOptions) {
    this.#options = options;
    const namespaces = options.namespaces?.length ? options.namespaces : [undefined];
    // Only referenced Secrets and ConfigMaps are stored: every other watcher tells the gates what it references.
    const gates = { Secret: new SecretGate(options.secretLabelSelector), ConfigMap: configMapGate() };
    const gated = (watched: WatchedKind) =>
      watched.group === '' && (watched.kind === 'Secret' || watched.kind === 'ConfigMap');
    this.#watchers = (options.kinds ?? watchedKinds).flatMap((watched) =>
      (watched.namespaced ? namespaces : [undefined]).map((namespace) => {
        const gate = gated(watched) ? gates[watched.kind as keyof typeof gates] : undefined;
        return new ResourceWatcher({
          kubeConfig: options.kubeConfig,
          watched,
          namespace,
          sink: options.store,
          onChange: (key) => {
            if (this.#synced) options.onChange(`changed ${key}`);
          },
          logger: options.logger,
          watchdogMs: options.watchdogMs,
          ...(gate
            ? { admit: (object) => gate.admits(object) }
            : {
                observe: (key, object) => {
                  // Items of a LIST carry no `kind`, and the references depend on it (a Service's CA
                  // ConfigMaps, its client certificate): name it as the watch events do.
                  const typed = object && !object.kind ? { ...object, kind: watched.kind } : object;
                  gates.Secret.observe(key, typed);
                  gates.ConfigMap.observe(key, typed);
                },
                observeList: (prefix, keys) => {
                  gates.Secret.observeList(prefix, keys);
                  gates.ConfigMap.observeList(prefix, keys);
                },
              }),
        });
      }),
    );
    for (const kind of ['Secret', 'ConfigMap'] as const) {
      const watchers = this.#watchers.filter((watcher) => watcher.name.startsWith(`watch:${kind}`));
      gates[kind].onChange = (object) => {
        const [namespace, name] = object.split('/') as [string, string];
        for (const watcher of watchers) watcher.reconsider(namespace, name);
      };
    }
    this.#secretWatchers = new Set(
      this.#watchers.filter((w) => w.name.startsWith('watch:Secret') || w.name.startsWith('watch:ConfigMap')),
    );
  }

  /** Secret and ConfigMap watchers, started once every other watcher listed, so their first lists name the wanted ones. */
  readonly #secretWatchers: ReadonlySet<ResourceWatcher>;

  ready(): boolean {
    return this.#synced && this.#storeAnswers;
  }

  /** Why ready() is false, for /readyz. */
  notReadyReason(): string | undefined {
    if (!this.#synced) {
      const waiting = this.#watchers.filter((watcher) => !watcher.ready()).map((watcher) => watcher.name);
      return waiting.length > 0 ? `waiting for the first list of ${waiting.join(', ')}` : 'listing again';
    }
    return this.#storeAnswers ? undefined : 'the state store does not answer';
  }

  async run(signal: AbortSignal): Promise<void> {
    const { store, logger } = this.#options;
    const token = randomUUID();
    // A watcher never rejects (it retries its own failures); the catch keeps a bug from becoming
    // an unhandled rejection before the set stops and awaits them.
    const start = (watchers: readonly ResourceWatcher[]) =>
      watchers.map((watcher) =>
        watcher
          .run(signal)
          .catch((err: unknown) => logger.error({ err, watcher: watcher.name }, 'watcher crashed')),
      );
    const referrers = this.#watchers.filter((watcher) => !this.#secretWatchers.has(watcher));
    const running = start(referrers);
    await this.#waitForLists(
      this.#watchers.map((watcher) => (this.#secretWatchers.has(watcher) ? -1 : 0)),
      signal,
    );
    running.push(...start([...this.#secretWatchers]));
    const guardMs = this.#options.guardIntervalMs ?? 2000;

    await this.#waitForLists(
      this.#watchers.map(() => 0),
      signal,
    );
    while (!signal.aborted) {
      try {
        if (!this.#synced) {
          await store.setSynced(token);
          this.#synced = true;
          logger.info({ watchers: this.#watchers.length }, 'all informers listed; builds enabled');
          this.#options.onChange('initial sync');
          this.#options.onSynced?.();
        } else if ((await store.syncedToken()) !== token) {
          logger.warn(
            'the state store lost its sync mark (Redis restarted or was flushed); listing everything again',
          );
          this.#synced = false;
          const before = this.#watchers.map((watcher) => watcher.listCount);
          for (const watcher of this.#watchers) watcher.resync();
          await this.#waitForLists(before, signal);
          continue;
        }
        this.#storeAnswers = true;
      } catch (err) {
        if (this.#storeAnswers) logger.warn({ err }, 'cannot check the state store; will retry');
        this.#storeAnswers = false;
      }
      await sleep(guardMs, signal);
    }
    await Promise.allSettled(running);
  }

  async #waitForLists(before: readonly number[], signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.#watchers.some((watcher, i) => watcher.listCount <= before[i]!)) {
      await sleep(20, signal);
    }
  }
}
