import { isIP } from 'node:net';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must ride out an outage: they retry every command forever
 * (`maxRetriesPerRequest: null`, as BullMQ requires). Producers answer a caller and must fail fast
 * when Redis is away instead of queueing commands in memory.
 */
/** A Redis connection: one server (plain or named by Sentinels) or a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

export type ConnectionPurpose = 'worker' | 'producer';

/** A Sentinel's address. */
export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * How to reach Redis beyond its URL: Sentinels that name the primary, an ACL user, TLS material. Values that
 * may rotate (passwords) are functions, read again before every reconnect, so a rotated Secret is used
 * without a restart.
 */
export interface RedisAccess {
  /**
   * Redis Cluster seed nodes; when set the connection is an ioredis `Cluster` and the URL's host is ignored
   * (its user, password and TLS still apply to every node). Keys must share a hash tag (see clusterPrefix).
   */
  readonly clusterNodes?: readonly SentinelAddress[];
  /** Ask these Sentinels for the primary of `sentinelName` instead of connecting to the URL's host. */
  readonly sentinels?: readonly SentinelAddress[];
  /** The Sentinels' name of the primary (their `sentinel monitor <name> …`). */
  readonly sentinelName?: string;
  /** ACL user; overrides the URL's user. */
  readonly username?: string;
  /** The password of the ACL user (or `requirepass`); overrides the URL's. */
  readonly password?: () => string;
  /** The password of the Sentinels themselves (their `requirepass`), when they have one. */
  readonly sentinelPassword?: () => string;
  /** PEM texts for TLS (`rediss://`): the CA that signs Redis' certificate, and a client certificate. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

/** A Redis URL with the access beyond it. */
export interface RedisTarget extends RedisAccess {
  readonly url: string;
}

/** Reconnect delay after `times` failed attempts: 100 ms doubling, capped at 5 s. */
export function reconnectDelay(times: number): number {
  return Math.min(100 * 2 ** Math.min(times, 16), 5000);
}

/** ioredis options for `target`: the URL's parts, the Sentinels, the ACL user and TLS. Never logged. */
export function redisOptions(target: RedisTarget | string): RedisOptions {
  const { url, ...access } = typeof target === 'string' ? { url: target } : target;
  const parsed = new URL(url);
  const tlsWanted = parsed.protocol === 'rediss:';
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined;
  const username = access.username ?? (parsed.username ? decodeURIComponent(parsed.username) : undefined);
  const password = access.password?.() ?? (parsed.password ? decodeURIComponent(parsed.password) : undefined);
  const tls = tlsWanted
    ? {
        ...(access.tls?.ca ? { ca: access.tls.ca } : {}),
        ...(access.tls?.cert ? { cert: access.tls.cert } : {}),
        ...(access.tls?.key ? { key: access.tls.key } : {}),
        // SNI takes names only; an IP address is verified against the certificate's IP SANs.
        ...(access.sentinels || isIP(parsed.hostname) ? {} : { servername: parsed.hostname }),
      }
    : undefined;
  const where: RedisOptions =
    access.sentinels && access.sentinels.length > 0
      ? {
          sentinels: access.sentinels.map(({ host, port }) => ({ host, port })),
          name: access.sentinelName ?? 'mymaster',
          ...(access.sentinelPassword ? { sentinelPassword: access.sentinelPassword() } : {}),
          // With rediss://, the Sentinels and the primary they name are both spoken to over TLS.
          ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
          sentinelRetryStrategy: reconnectDelay,
          // A `+switch-master` moves the connection at once instead of at its next error.
          failoverDetector: true,
        }
      : { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 6379 };
  return {
    ...where,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** The one place that creates Redis connections. The connection is lazy: call `connectRedis`. */
export function createRedisConnection(
  target: RedisTarget | string,
  purpose: ConnectionPurpose,
  name: string = purpose,
): RedisConnection {
  const access: RedisAccess = typeof target === 'string' ? {} : target;
  const common: RedisOptions = {
    connectionName: `kong-fleet:${name}`,
    lazyConnect: true,
    // ioredis calls this as a method of the connection's own options, which BullMQ's duplicates copy:
    // each connection reads a rotated password file before its next attempt, so rotation needs no restart.
    retryStrategy(this: RedisOptions, times: number) {
      if (access.password) this.password = access.password();
      if (access.sentinelPassword) this.sentinelPassword = access.sentinelPassword();
      return reconnectDelay(times);
    },
  };
  const byPurpose: RedisOptions =
    purpose === 'worker'
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5000 };
  const redis: RedisConnection =
    access.clusterNodes && access.clusterNodes.length > 0
      ? createCluster(access.clusterNodes, { ...redisOptions(target), ...common, ...byPurpose }, access)
      : new Redis({ ...redisOptions(target), ...common, ...byPurpose });
  redis.on('error', (err: Error) => {
    lastErrors.set(redis, err);
  });
  return redis;
}

/**
 * A Cluster over `nodes` whose node connections take `options` (user, password, TLS, purpose). The
 * offline queue and the retries-per-request belong to the Cluster too: a worker's commands wait out a
 * failover (MOVED/TRYAGAIN/CLUSTERDOWN are retried by ioredis), a producer's fail fast.
 */
function createCluster(
  nodes: readonly SentinelAddress[],
  options: RedisOptions,
  access: RedisAccess,
): Cluster {
  // ioredis gives node connections no retry strategy of their own: the Cluster reconnects them.
  const {
    host: _host,
    port: _port,
    db: _db,
    lazyConnect,
    enableOfflineQueue,
    retryStrategy: _retry,
    ...nodeOptions
  } = options;
  return new Cluster(
    nodes.map(({ host, port }) => ({ host, port })),
    {
      lazyConnect: lazyConnect ?? true,
      enableOfflineQueue: enableOfflineQueue ?? true,
      ...(options.maxRetriesPerRequest !== undefined
        ? { maxRetriesPerRequest: options.maxRetriesPerRequest }
        : {}),
      // Read a rotated password before the Cluster reconnects, as the single-server connection does.
      clusterRetryStrategy(this: Cluster, times: number) {
        if (access.password)
          this.options.redisOptions = { ...this.options.redisOptions, password: access.password() };
        return reconnectDelay(times);
      },
      // After a failover or a slot migration the nodes answer MOVED/ASK/TRYAGAIN/CLUSTERDOWN; ioredis
      // follows them, refreshes its slot map and retries the command after these delays.
      retryDelayOnMoved: 50,
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 100,
      slotsRefreshTimeout: 2000,
      redisOptions: nodeOptions,
    },
  );
}

const lastErrors = new WeakMap<RedisConnection, Error>();

/** The connection's latest error, worded without secret values (Redis' own messages never echo them). */
export function lastRedisError(redis: RedisConnection): string | undefined {
  return lastErrors.get(redis)?.message;
}

/**
 * Connects and waits for Redis to answer, or rejects after `timeoutMs` with the reason: the last error
 * Redis or the network gave (WRONGPASS, a TLS failure, a refused connection), never a password.
 */
export async function connectRedis(redis: RedisConnection, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  const timer = AbortSignal.timeout(timeoutMs);
  const timeout = new Promise<never>((_, reject) =>
    timer.addEventListener('abort', () => {
      const last = lastRedisError(redis);
      reject(
        new Error(
          `Redis did not answer within ${timeoutMs} ms (last status: ${redis.status}${last ? `; last error: ${last}` : ''})`,
        ),
      );
    }),
  );
  const ready =
    redis.status === 'wait' || redis.status === 'end'
      ? redis.connect()
      : new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  // A failed first attempt is retried by the retry strategy; only the deadline ends the wait.
  ready.catch(() => {});
  await Promise.race([
    ready.catch(() => new Promise<void>((resolve) => redis.once('ready', resolve))),
    timeout,
  ]);
}
