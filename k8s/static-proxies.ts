import type { Logger } from 'pino';
import type { ProxyEndpoint, RegistryChange } from '../domain/proxy.ts';
import type { Runnable } from '../lib/runnable.ts';
import { sleep } from '../lib/sleep.ts';

export interface StaticProxiesOptions {
  readonly endpoints: readonly ProxyEndpoint[];
  readonly apply: (endpoints: readonly ProxyEndpoint[]) => Promise<RegistryChange>;
  readonly logger: Logger;
  /** Re-apply this often, so a registry that lost its data is refilled. @defaultValue 30000 */
  readonly resyncMs?: number;
}

/** Registers the configured list of admin URLs (setups without Kubernetes discovery). */
export class StaticProxies implements Runnable {
  readonly name = 'static-proxies';
  readonly #options: StaticProxiesOptions;
  #applied = false;
  #wake: () => void = () => {};

  constructor(options: StaticProxiesOptions) {
    this.#options = options;
  }

  ready(): boolean {
    return this.#applied;
  }

  /** Registers the list again now: the registry lost its data (Redis restarted empty). */
  refresh(): void {
    this.#wake();
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#options.apply(this.#options.endpoints);
        this.#applied = true;
      } catch (err) {
        this.#options.logger.warn({ err }, 'could not register the static proxies');
      }
      const woken = new AbortController();
      this.#wake = () => woken.abort();
      await sleep(this.#options.resyncMs ?? 30_000, AbortSignal.any([signal, woken.signal]));
    }
  }
}
