import { ApiException, CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Runnable } from '../lib/runnable.ts';
import { sleep } from '../lib/sleep.ts';

export interface LeaderElectionOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** @defaultValue 'kong-fleet-leader' */
  readonly leaseName?: string;
  /** Unique per process, e.g. the pod name plus a random suffix. */
  readonly identity: string;
  /** Others may take over this long after the last renewal. @defaultValue 15000 */
  readonly leaseDurationMs?: number;
  /** Give up leading when renewals have failed for this long (must be < leaseDurationMs). @defaultValue 10000 */
  readonly renewDeadlineMs?: number;
  /** @defaultValue 2000 */
  readonly retryPeriodMs?: number;
  /** Runs while this process leads; its signal aborts when leadership is lost or the process stops. */
  readonly lead: (signal: AbortSignal) => Promise<void>;
  readonly logger: Logger;
}

/**
 * Leader election with a coordination.k8s.io Lease, as client-go's leaderelection does it: acquire
 * an expired or free lease with an optimistic-concurrency update, renew it every retry period, and
 * stop leading (before the lease can expire for others) when renewals keep failing.
 */
export class LeaderElector implements Runnable {
  readonly name = 'leader-election';
  readonly #options: LeaderElectionOptions;
  readonly #api: CoordinationV1Api;
  #leading = false;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  isLeader(): boolean {
    return this.#leading;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { logger, identity } = this.#options;
    const retryMs = this.#options.retryPeriodMs ?? 2000;
    const renewDeadlineMs = this.#options.renewDeadlineMs ?? 10_000;
    let leadership: { controller: AbortController; done: Promise<void> } | undefined;
    let lastRenewal = 0;

    const stopLeading = async (reason: string) => {
      if (!leadership) return;
      logger.warn({ identity, reason }, 'stopped leading');
      leadership.controller.abort(new Error(reason));
      await leadership.done;
      leadership = undefined;
      this.#leading = false;
    };

    while (!signal.aborted) {
      let round: 'held' | 'other' | 'error';
      try {
        round = (await this.#tryAcquireOrRenew()) ? 'held' : 'other';
      } catch (err) {
        round = 'error';
        logger.warn({ err, identity }, 'could not acquire or renew the leader lease');
      }
      if (round === 'held') {
        lastRenewal = Date.now();
        if (!leadership) {
          logger.info({ identity, lease: this.#leaseName() }, 'became leader');
          const controller = new AbortController();
          this.#leading = true;
          const done = this.#options
            .lead(AbortSignal.any([controller.signal, signal]))
            .catch((err: unknown) => {
              logger.error({ err }, 'leader work failed');
            });
          leadership = { controller, done };
          // Leader work that ends by itself (crash) gives up the lease so a healthy replica leads.
          void done.then(() => {
            if (leadership?.controller === controller && !controller.signal.aborted) controller.abort();
          });
        }
      } else if (round === 'other') {
        await stopLeading('another process holds the lease');
      } else if (Date.now() - lastRenewal > renewDeadlineMs) {
        await stopLeading('lease renewal deadline passed');
      }
      if (leadership?.controller.signal.aborted) await stopLeading('leader work ended');
      await sleep(retryMs, signal);
    }
    const wasLeading = leadership !== undefined;
    await stopLeading('shutting down');
    if (wasLeading)
      await this.#release().catch((err: unknown) => logger.warn({ err }, 'could not release the lease'));
  }

  #leaseName(): string {
    return this.#options.leaseName ?? 'kong-fleet-leader';
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({
        name: this.#leaseName(),
        namespace: this.#options.namespace,
      });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  /** One election round; true when this process holds the lease afterwards. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { identity, namespace } = this.#options;
    const durationSeconds = Math.ceil((this.#options.leaseDurationMs ?? 15_000) / 1000);
    const now = microTime(new Date());
    const lease = await this.#read();
    if (!lease) {
      await this.#api.createNamespacedLease({
        namespace,
        body: {
          metadata: { name: this.#leaseName(), namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: now as never,
            renewTime: now as never,
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const mine = spec.holderIdentity === identity;
    const renewed = spec.renewTime ? Date.parse(String(spec.renewTime)) : 0;
    const expired =
      !spec.holderIdentity || renewed + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 < Date.now();
    if (!mine && !expired) return false;
    const body: V1Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: now as never,
        ...(mine ? {} : { acquireTime: now as never, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
      },
    };
    try {
      // resourceVersion in the body makes this a compare-and-swap: two candidates cannot both win.
      await this.#api.replaceNamespacedLease({ name: this.#leaseName(), namespace, body });
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return false;
      throw err;
    }
  }

  async #release(): Promise<void> {
    const lease = await this.#read();
    if (!lease || lease.spec?.holderIdentity !== this.#options.identity) return;
    await this.#api.replaceNamespacedLease({
      name: this.#leaseName(),
      namespace: this.#options.namespace,
      body: {
        ...lease,
        spec: { ...lease.spec, holderIdentity: undefined, renewTime: microTime(new Date(0)) as never },
      },
    });
  }
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
