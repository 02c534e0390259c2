import { Redis } from 'ioredis';
import { waitFor } from '../lib/wait-for.ts';
import { type LocalRedis, startLocalRedis } from './redis-server.ts';

export interface LocalRedisCluster {
  /** Primaries first (in slot order), then one replica per primary (replica i follows primary i). */
  readonly nodes: readonly LocalRedis[];
  readonly primaries: readonly LocalRedis[];
  readonly replicas: readonly LocalRedis[];
  /** `127.0.0.1:port,…` of every node, as KONG_FLEET_REDIS_CLUSTER_NODES takes it. */
  readonly seeds: string;
  /** The node that serves `key`'s slot now, asked of the cluster itself. */
  primaryOf(key: string): Promise<LocalRedis>;
  stop(): Promise<void>;
}

export interface LocalRedisClusterOptions {
  /** @defaultValue 3 */
  readonly primaries?: number;
  /** Replicas per primary. @defaultValue 1 */
  readonly replicasPerPrimary?: number;
  /** cluster-node-timeout: how long until a silent primary is failed over. @defaultValue 1000 */
  readonly nodeTimeoutMs?: number;
  readonly binary?: string;
}

const SLOTS = 16384;

/**
 * A real Redis Cluster on loopback made of redis-server processes with `--cluster-enabled yes`, formed as
 * `redis-cli --cluster create` would (slots split evenly, MEET, REPLICATE), but with plain commands so the
 * tests need no redis-cli. Returns once every node reports `cluster_state:ok` with all slots covered.
 */
export async function startLocalRedisCluster(
  options: LocalRedisClusterOptions = {},
): Promise<LocalRedisCluster> {
  const primaryCount = options.primaries ?? 3;
  const replicaCount = primaryCount * (options.replicasPerPrimary ?? 1);
  const nodeTimeout = String(options.nodeTimeoutMs ?? 1000);
  const nodes: LocalRedis[] = [];
  const admins: Redis[] = [];
  try {
    for (let i = 0; i < primaryCount + replicaCount; i++) {
      nodes.push(
        await startLocalRedis({
          ...(options.binary ? { binary: options.binary } : {}),
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            nodeTimeout,
            // A replica whose primary is gone takes over without waiting for its data to look fresh.
            '--cluster-replica-validity-factor',
            '0',
          ],
        }),
      );
    }
    for (const node of nodes) admins.push(new Redis(node.port, '127.0.0.1', { lazyConnect: false }));
    const ids = await Promise.all(admins.map((admin) => admin.call('CLUSTER', 'MYID') as Promise<string>));
    for (let i = 0; i < primaryCount; i++) {
      const first = Math.floor((i * SLOTS) / primaryCount);
      const last = Math.floor(((i + 1) * SLOTS) / primaryCount) - 1;
      await admins[i]!.call('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
    }
    for (const node of nodes.slice(1))
      await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(node.port));
    await waitFor(
      async () => {
        const views = await Promise.all(
          admins.map((admin) => admin.call('CLUSTER', 'NODES') as Promise<string>),
        );
        return views.every((view) => view.trim().split('\n').length === nodes.length);
      },
      { timeoutMs: 20_000, intervalMs: 50, description: 'every cluster node to know the others' },
    );
    for (let r = 0; r < replicaCount; r++) {
      await admins[primaryCount + r]!.call('CLUSTER', 'REPLICATE', ids[r % primaryCount]!);
    }
    await waitFor(
      async () => {
        const infos = await Promise.all(
          admins.map((admin) => admin.call('CLUSTER', 'INFO') as Promise<string>),
        );
        if (
          !infos.every(
            (info) => info.includes('cluster_state:ok') && info.includes(`cluster_slots_ok:${SLOTS}`),
          )
        )
          return false;
        const roles = await Promise.all(
          admins
            .slice(primaryCount)
            .map((admin) => admin.call('ROLE') as Promise<[string, string, number, string]>),
        );
        return roles.every((role) => role[0] === 'slave' && role[3] === 'connected');
      },
      { timeoutMs: 30_000, intervalMs: 50, description: 'the cluster to be ok with its replicas in sync' },
    );
  } catch (err) {
    for (const admin of admins) admin.disconnect();
    await Promise.allSettled(nodes.map((node) => node.stop()));
    throw err;
  }
  for (const admin of admins) admin.disconnect();

  return {
    nodes,
    primaries: nodes.slice(0, primaryCount),
    replicas: nodes.slice(primaryCount),
    seeds: nodes.map((node) => `127.0.0.1:${node.port}`).join(','),
    async primaryOf(key) {
      const live = nodes.find((node) => node.process.exitCode === null && node.process.signalCode === null);
      if (!live) throw new Error('no cluster node is running');
      const admin = new Redis(live.port, '127.0.0.1');
      try {
        const slot = (await admin.call('CLUSTER', 'KEYSLOT', key)) as number;
        const shards = (await admin.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const port = shards.find(([first, last]) => slot >= first && slot <= last)?.[2][1];
        const node = nodes.find((n) => n.port === port);
        if (!node) throw new Error(`no node serves slot ${slot}`);
        return node;
      } finally {
        admin.disconnect();
      }
    },
    async stop() {
      await Promise.allSettled(nodes.map((node) => node.stop()));
    },
  };
}
