/**
 * A Redis Sentinel group on loopback, as production would run it: one primary, its replicas and three
 * Sentinels (`redis-server --sentinel`, the same binary Debian's redis-sentinel package starts), so a test
 * can kill the primary and watch the Sentinels promote a replica.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from '../lib/wait-for.ts';
import { freePort } from './free-port.ts';
import { type LocalRedis, ping, startLocalRedis } from './redis-server.ts';

export interface SentinelGroupOptions {
  /** The name the Sentinels monitor the primary under. @defaultValue 'mymaster' */
  name?: string;
  /** @defaultValue 1 */
  replicas?: number;
  /** @defaultValue 3 (a quorum of 2) */
  sentinels?: number;
  /** How long the primary may be silent before a Sentinel thinks it down. @defaultValue 1000 */
  downAfterMs?: number;
}

export interface SentinelGroup {
  readonly name: string;
  /** Every data node, the first one the initial primary. */
  readonly nodes: readonly LocalRedis[];
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  /** `host:port,…` for KONG_FLEET_REDIS_SENTINELS. */
  readonly sentinelList: string;
  /** The port of the node the Sentinels name as primary now. */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary and resolves once the Sentinels named another one. */
  killPrimary(): Promise<{ killedPort: number; newPrimaryPort: number; failoverMs: number }>;
  stop(): Promise<void>;
}

export async function startSentinelGroup(options: SentinelGroupOptions = {}): Promise<SentinelGroup> {
  const name = options.name ?? 'mymaster';
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    const primary = await startLocalRedis();
    stops.push(() => primary.stop());
    const nodes: LocalRedis[] = [primary];
    for (let i = 0; i < (options.replicas ?? 1); i++) {
      const replica = await startLocalRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
      stops.push(() => replica.stop());
      nodes.push(replica);
    }
    await waitFor(
      async () => (await replicationInfo(primary.port)).includes(`connected_slaves:${nodes.length - 1}`),
      {
        timeoutMs: 10_000,
        description: 'the replicas to attach to the primary',
      },
    );

    const dir = await mkdtemp(join(tmpdir(), 'kong-fleet-sentinel-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const sentinels: { host: string; port: number }[] = [];
    const processes: ChildProcess[] = [];
    for (let i = 0; i < (options.sentinels ?? 3); i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${i}.conf`);
      // Sentinels rewrite their file (known replicas, epochs), so each one has its own.
      await writeFile(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      const child = spawn('redis-server', [conf, '--sentinel', '--loglevel', 'warning'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      stops.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      });
      processes.push(child);
      sentinels.push({ host: '127.0.0.1', port });
    }
    for (const { port } of sentinels)
      await waitFor(() => ping(port), { timeoutMs: 10_000, description: `sentinel on port ${port}` });

    const askSentinels = async (): Promise<number> => {
      for (const { port } of sentinels) {
        const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
        client.on('error', () => {});
        try {
          await client.connect();
          const answer = (await client.call('SENTINEL', 'get-master-addr-by-name', name)) as string[] | null;
          if (answer) return Number(answer[1]);
        } catch {
          // The next Sentinel may answer.
        } finally {
          client.disconnect();
        }
      }
      throw new Error('no Sentinel answered');
    };
    // Every Sentinel knows the replicas and its peers before the group counts as running.
    await waitFor(
      async () => {
        for (const { port } of sentinels) {
          const info = await sentinelInfo(port, name);
          if (info.slaves < nodes.length - 1 || info.sentinels < sentinels.length) return false;
        }
        return true;
      },
      {
        timeoutMs: 20_000,
        intervalMs: 200,
        description: 'the Sentinels to discover replicas and each other',
      },
    );

    return {
      name,
      nodes,
      sentinels,
      sentinelList: sentinels.map(({ host, port }) => `${host}:${port}`).join(','),
      primaryPort: askSentinels,
      async killPrimary() {
        const killedPort = await askSentinels();
        const node = nodes.find((n) => n.port === killedPort);
        if (!node) throw new Error(`the primary on port ${killedPort} is not one of the group's nodes`);
        const started = performance.now();
        node.process.kill('SIGKILL');
        const newPrimaryPort = await waitFor(
          async () => {
            const port = await askSentinels();
            if (port === killedPort) return undefined;
            return (await replicationInfo(port)).includes('role:master') ? port : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 100, description: 'the Sentinels to promote a replica' },
        );
        return { killedPort, newPrimaryPort, failoverMs: Math.round(performance.now() - started) };
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function replicationInfo(port: number): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.info('replication');
  } catch {
    return '';
  } finally {
    client.disconnect();
  }
}

async function sentinelInfo(port: number, name: string): Promise<{ slaves: number; sentinels: number }> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  try {
    await client.connect();
    const fields = (await client.call('SENTINEL', 'master', name)) as string[];
    const field = (key: string) => Number(fields[fields.indexOf(key) + 1] ?? 0);
    return { slaves: field('num-slaves'), sentinels: field('num-other-sentinels') + 1 };
  } catch {
    return { slaves: 0, sentinels: 0 };
  } finally {
    client.disconnect();
  }
}
