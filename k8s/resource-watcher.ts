import {
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  makeInformer,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { kindKeyPrefix, objectKey } from '../domain/object-ref.ts';
import type { Runnable } from '../lib/runnable.ts';
import { sleep } from '../lib/sleep.ts';
import { storedForm } from './stored-object.ts';
import { apiVersionOf, resourcePath, type WatchedKind } from './watched-kinds.ts';

/** Where watched objects go: the state store (queue/store/object-store.ts) in production. */
export interface ObjectSink {
  put(key: string, json: string): Promise<{ changed: boolean }>;
  delete(key: string): Promise<{ changed: boolean }>;
  replaceAll(keyPrefix: string, objects: ReadonlyMap<string, string>): Promise<{ changed: number }>;
}

export interface ResourceWatcherOptions {
  readonly kubeConfig: KubeConfig;
  readonly watched: WatchedKind;
  /** Watch one namespace; undefined watches all (cluster-scoped kinds ignore it). */
  readonly namespace?: string;
  readonly sink: ObjectSink;
  /** Called after a write that changed the store (not during the initial list). */
  readonly onChange: (key: string) => void;
  readonly logger: Logger;
  /** Restart the informer (fresh LIST) when neither an event nor a reconnect came for this long. @defaultValue 120000 */
  readonly watchdogMs?: number;
  /** Wait before restarting after an error; doubles up to 30 s. @defaultValue 1000 */
  readonly restartDelayMs?: number;
  /** Objects refused here are not stored (and removed if stored): Secrets nothing references. */
  readonly admit?: (object: KubernetesObject) => boolean;
  /** Sees every object of this kind as it is listed, changed (object) or deleted (undefined). */
  readonly observe?: (key: string, object: KubernetesObject | undefined) => void;
  /** After each full list, with the keys it held under the kind's key prefix. */
  readonly observeList?: (keyPrefix: string, keys: ReadonlySet<string>) => void;
}

/**
 * Keeps the sink equal to one kind in the cluster: LIST, then WATCH; after each (re)start the full
 * list replaces what the sink holds, so deletions missed while not watching are not lost. Restarts
 * itself after errors and when the watch goes silent (a half-open connection delivers nothing).
 */
export class ResourceWatcher implements Runnable {
  readonly name: string;
  readonly #options: ResourceWatcherOptions;
  #synced = false;
  /** Completed full lists since start; see resync(). */
  #listCount = 0;
  #lastActivity = Date.now();
  /** Ends the current informer lifetime (set while one runs). */
  #interrupt: (reason: 'error' | 'resync') => void = () => {};
  /** Writes are applied one at a time, in event order. */
  #writes: Promise<unknown> = Promise.resolve();
  /** The running informer's cache once its list is stored (for reconsider()). */
  #cached: ((name: string, namespace?: string) => KubernetesObject | undefined) | undefined;

  constructor(options: ResourceWatcherOptions) {
    this.#options = options;
    const { watched, namespace } = options;
    this.name = `watch:${watched.kind}${namespace && watched.namespaced ? `@${namespace}` : ''}`;
  }

  /** True once the first full list has been written to the sink. */
  ready(): boolean {
    return this.#synced;
  }

  /** How many full lists have been written to the sink so far. */
  get listCount(): number {
    return this.#listCount;
  }

  /**
   * Decide again whether the object `namespace/name` belongs in the sink (admit() may have changed
   * its mind): stores it from the informer's cache, or removes it. Before the first list stored,
   * nothing to do: the list applies admit() to everything.
   */
  reconsider(namespace: string, name: string): void {
    if (!this.#cached) return;
    const object = this.#cached(name, namespace);
    if (object) this.#enqueueWrite(object, 'put');
    else {
      const { watched } = this.#options;
      const key = objectKey({ kind: watched.kind, group: watched.group, namespace, name });
      this.#serialised(() => this.#options.sink.delete(key))
        .then(({ changed }) => {
          if (changed) this.#options.onChange(key);
        })
        .catch((err: unknown) => {
          this.#options.logger.error({ err, key }, 'could not remove a watched object; re-listing');
          this.#interrupt('error');
        });
    }
  }

  /** LIST again and replace what the sink holds (the sink lost its data, e.g. Redis restarted empty). */
  resync(): void {
    this.#interrupt('resync');
  }

  async run(signal: AbortSignal): Promise<void> {
    const { logger } = this.#options;
    let delay = this.#options.restartDelayMs ?? 1000;
    while (!signal.aborted) {
      // A store write that fails (Redis away) ends this informer lifetime like a watch error: the
      // next lifetime lists again and replaces what the store holds, so nothing is lost.
      const outcome = await this.#runInformer(signal).catch((err: unknown) => {
        logger.warn({ watcher: this.name, err }, 'watch ended with an error; retrying');
        return 'error' as const;
      });
      if (signal.aborted) break;
      if (outcome === 'error') {
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 30_000);
      } else {
        delay = this.#options.restartDelayMs ?? 1000;
        if (outcome === 'missing') await this.#pause(60_000, signal);
      }
      logger.info({ watcher: this.name, reason: outcome }, 'restarting watch');
    }
    await this.#writes;
  }

  /** Waits, but a resync() ends the wait early. */
  async #pause(ms: number, signal: AbortSignal): Promise<void> {
    const woken = new AbortController();
    this.#interrupt = () => woken.abort();
    try {
      await sleep(ms, AbortSignal.any([signal, woken.signal]));
    } finally {
      this.#interrupt = () => {};
    }
  }

  /** One informer lifetime; resolves with why it ended. */
  async #runInformer(signal: AbortSignal): Promise<'error' | 'silent' | 'missing' | 'resync' | 'stopped'> {
    const { kubeConfig, watched, namespace, logger } = this.#options;
    const objectApi = KubernetesObjectApi.makeApiClient(kubeConfig);
    const listNamespace = watched.namespaced ? namespace : undefined;
    const informer = makeInformer<KubernetesObject>(kubeConfig, resourcePath(watched, listNamespace), () =>
      objectApi.list(apiVersionOf(watched), watched.kind, listNamespace),
    );
    let listing = true;
    let failure: unknown;
    let interrupted: 'error' | 'resync' | undefined;
    // Ends this lifetime early (an informer error, an interrupt). One signal for the whole lifetime: the
    // loop below waits on it again and again, and a Promise.race against one long-lived promise would add a
    // reaction to it on every wait that only the promise's settling frees (55 promises a second across
    // the watchers of a soak, +14 MiB of heap in 30 minutes).
    const ended = new AbortController();
    const failed = () => ended.abort();
    const endedPromise = new Promise<void>((resolve) =>
      ended.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    const wake = AbortSignal.any([signal, ended.signal]);
    this.#interrupt = (reason) => {
      interrupted ??= reason;
      failed();
    };
    const touch = () => {
      this.#lastActivity = Date.now();
    };
    const onObject = (object: KubernetesObject) => {
      touch();
      if (!listing) this.#enqueueWrite(object, 'put');
    };
    informer.on('add', onObject);
    informer.on('update', onObject);
    informer.on('delete', (object) => {
      touch();
      if (!listing) this.#enqueueWrite(object, 'delete');
    });
    informer.on('connect', touch);
    informer.on('error', (err) => {
      failure = err;
      failed();
    });

    try {
      touch();
      await Promise.race([informer.start(), endedPromise]);
      if (failure) return this.#reportFailure(failure);
      if (interrupted) return interrupted;
      // Snapshot the list now; events after this point are written after it, in order.
      const prefix = kindKeyPrefix(watched.kind, watched.group) + (listNamespace ? `${listNamespace}/` : '');
      const { admit, observe, observeList } = this.#options;
      const listed = new Map<string, string>();
      const seen = new Set<string>();
      for (const object of informer.list()) {
        const key = this.#key(object);
        seen.add(key);
        observe?.(key, object);
        const stored = storedForm(object, watched);
        if (stored && (admit?.(object) ?? true)) listed.set(key, JSON.stringify(stored));
      }
      observeList?.(prefix, seen);
      listing = false;
      this.#cached = (name, namespace) => informer.get(name, namespace);
      await this.#serialised(async () => {
        const { changed } = await this.#options.sink.replaceAll(prefix, listed);
        if (changed > 0 && this.#synced) this.#options.onChange(prefix);
        if (!this.#synced) logger.info({ watcher: this.name, objects: listed.size }, 'initial list stored');
        this.#synced = true;
        this.#listCount++;
      });

      const watchdogMs = this.#options.watchdogMs ?? 120_000;
      while (!wake.aborted) {
        const silentMs = Date.now() - this.#lastActivity;
        if (silentMs > watchdogMs) {
          logger.warn({ watcher: this.name, silentMs }, 'watch silent; re-listing');
          return 'silent';
        }
        // Until the watchdog could fire (activity meanwhile moves it on), or the lifetime ends.
        await sleep(watchdogMs - silentMs + 1, wake);
      }
      if (failure) return this.#reportFailure(failure);
      return interrupted ?? 'stopped';
    } finally {
      this.#interrupt = () => {};
      this.#cached = undefined;
      await informer.stop();
    }
  }

  #reportFailure(err: unknown): 'error' | 'missing' {
    const { watched, logger } = this.#options;
    const code =
      (err as { code?: number; statusCode?: number }).code ?? (err as { statusCode?: number }).statusCode;
    if (code === 404 && watched.optional) {
      logger.info({ watcher: this.name }, 'resource not installed in the cluster; treating it as empty');
      // An uninstalled CRD has no objects: the store must not keep ones from before.
      const prefix = kindKeyPrefix(watched.kind, watched.group);
      this.#serialised(async () => {
        await this.#options.sink.replaceAll(prefix, new Map());
        this.#synced = true;
        this.#listCount++;
      }).catch((err: unknown) => {
        logger.warn({ watcher: this.name, err }, 'could not store the empty list; re-listing');
        this.#interrupt('error');
      });
      return 'missing';
    }
    logger.warn({ watcher: this.name, code, reason: apiErrorMessage(err) }, 'watch failed; retrying');
    return 'error';
  }

  /**
   * Runs `write` after every earlier write. The chain itself never stays rejected: one failed
   * write (Redis away) must not skip the later ones, and its error goes to this caller only.
   */
  #serialised<T>(write: () => Promise<T>): Promise<T> {
    const result = this.#writes.then(write);
    this.#writes = result.catch(() => {});
    return result;
  }

  #enqueueWrite(object: KubernetesObject, action: 'put' | 'delete'): void {
    const key = this.#key(object);
    this.#options.observe?.(key, action === 'put' ? object : undefined);
    const admitted = action === 'put' && (this.#options.admit?.(object) ?? true);
    const stored = admitted ? storedForm(object, this.#options.watched) : undefined;
    this.#serialised(() =>
      stored ? this.#options.sink.put(key, JSON.stringify(stored)) : this.#options.sink.delete(key),
    )
      .then(({ changed }) => {
        if (changed) this.#options.onChange(key);
      })
      .catch((err: unknown) => {
        // The store may have lost more than this write (Redis restarted): list again and replace.
        this.#options.logger.error({ err, key }, 'could not store a watched object; re-listing');
        this.#interrupt('error');
      });
  }

  #key(object: KubernetesObject): string {
    const { watched } = this.#options;
    return objectKey({
      kind: watched.kind,
      group: watched.group,
      namespace: object.metadata?.namespace ?? '',
      name: object.metadata?.name ?? '',
    });
  }
}

/** The API server's own message ("storage is (re)initializing") rather than the client's wrapper. */
function apiErrorMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const message = (JSON.parse(body) as { message?: unknown }).message;
      if (typeof message === 'string') return message;
    } catch {
      // not a Status object
    }
  }
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}
