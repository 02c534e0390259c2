/**
 * The Redis a chaos scenario runs on, owned by that scenario so it can kill, wipe or start it late: a
 * single redis-server with its append-only file (as deploy/redis.yaml runs it), or a Sentinel group.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectRedis, createRedisConnection, type RedisConnection } from '../../queue/connection.ts';
import { freePort } from '../../testing/free-port.ts';
import { type SentinelGroup, startSentinelGroup } from '../../testing/redis-sentinel.ts';
import { type LocalRedis, startLocalRedis } from '../../testing/redis-server.ts';

export interface ChaosRedis {
  /** The controller's KONG_FLEET_REDIS_* settings. */
  readonly settings: Readonly<Record<string, string>>;
  /** A connection for the scenario's own reads (follows a failover); closed by stop(). */
  client(): Promise<RedisConnection>;
  /** Starts Redis (again): same port, same append-only file. */
  start(): Promise<void>;
  /** SIGKILL: no chance to flush; the append-only file keeps what was fsynced. */
  kill(): Promise<void>;
  /** Sentinel groups only: kill the primary and wait for the promotion. */
  failover?(): Promise<{ killedPort: number; newPrimaryPort: number; failoverMs: number }>;
  stop(): Promise<void>;
}

/** A single redis-server with AOF on a fixed port; not started until `start()` when `startNow` is false. */
export async function singleRedis(startNow = true): Promise<ChaosRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'kf-chaos-redis-'));
  let server: LocalRedis | undefined;
  let connection: RedisConnection | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const redis: ChaosRedis = {
    settings: { KONG_FLEET_REDIS_URL: url },
    async client() {
      if (!connection) {
        connection = createRedisConnection(url, 'worker', 'chaos');
        connection.on('error', () => {});
      }
      await connectRedis(connection, 60_000);
      return connection;
    },
    async start() {
      server = await startLocalRedis({ port, dir, appendOnly: true });
    },
    async kill() {
      const running = server;
      server = undefined;
      if (!running) return;
      const exited = new Promise((resolve) => running.process.once('exit', resolve));
      running.process.kill('SIGKILL');
      await exited;
    },
    async stop() {
      connection?.disconnect();
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  if (startNow) await redis.start();
  return redis;
}

/** A primary, one replica and three Sentinels; the controller finds the primary through the Sentinels. */
export async function sentinelRedis(): Promise<ChaosRedis> {
  const group: SentinelGroup = await startSentinelGroup();
  let connection: RedisConnection | undefined;
  const target = {
    url: 'redis://sentinel-named-primary',
    sentinels: group.sentinels,
    sentinelName: group.name,
  };
  return {
    settings: {
      KONG_FLEET_REDIS_URL: target.url,
      KONG_FLEET_REDIS_SENTINELS: group.sentinelList,
      KONG_FLEET_REDIS_SENTINEL_NAME: group.name,
    },
    async client() {
      if (!connection) {
        connection = createRedisConnection(target, 'worker', 'chaos');
        connection.on('error', () => {});
      }
      await connectRedis(connection, 60_000);
      return connection;
    },
    async start() {},
    async kill() {
      await group.killPrimary();
    },
    async failover() {
      return group.killPrimary();
    },
    async stop() {
      connection?.disconnect();
      await group.stop();
    },
  };
}
