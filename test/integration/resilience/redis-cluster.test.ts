import { type SimulatedFleet, startSimulatedFleet } from '@kong-fleet/kong-dbless/simulator';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../jobs/index.ts';
import { connectRedis, createRedisConnection, type RedisConnection } from '../../../queue/connection.ts';
import { clusterPrefix, redisKey } from '../../../queue/keys.ts';
import { BuildStore } from '../../../queue/store/build-store.ts';
import { listeningAddress } from '../../../testing/controller-process.ts';
import { pathIngress } from '../../../testing/path-ingress.ts';
import { type LocalRedisCluster, startLocalRedisCluster } from '../../../testing/redis-cluster.ts';
import { stuckJobs } from '../../../testing/stuck-jobs.ts';
import { type CliProcess, startCli } from '../../helpers/cli.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig, kubeconfigPath } from '../../helpers/kube.ts';
import { uniquePrefix } from '../../helpers/redis.ts';

const PROXIES = 4;
const BURST = 30;

describe('the controller on a 3-primary Redis Cluster (issue 19)', () => {
  let cluster: LocalRedisCluster;
  let fleet: SimulatedFleet;
  let cli: CliProcess | undefined;
  let redis: RedisConnection;
  let namespace: string;
  const prefix = clusterPrefix(uniquePrefix('cluster'));

  beforeAll(async () => {
    cluster = await startLocalRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
    fleet = await startSimulatedFleet({ count: PROXIES, loadDurationMs: 5 });
    namespace = await freshNamespace('rcluster');
    redis = createRedisConnection(
      {
        url: 'redis://ignored-in-cluster-mode:6379',
        clusterNodes: cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
      },
      'worker',
      'test',
    );
    redis.on('error', () => {});
    await connectRedis(redis);
  }, 60_000);

  afterAll(async () => {
    cli?.child.kill('SIGKILL');
    if (cli) await cli.exited;
    redis?.disconnect();
    await fleet?.stop();
    await cluster?.stop();
  });

  it('keeps every key of the fleet in one slot: the prefix is a hash tag', () => {
    expect(clusterPrefix('kong-fleet')).toBe('{kong-fleet}');
    expect(clusterPrefix('{a}-b')).toBe('{a}-b');
    expect(clusterPrefix('plain{}')).toBe('{plain{}}');
  });

  it('brings every proxy to the final hash through a burst with a primary failover in its middle', async () => {
    cli = startCli(['run', '--http-port', '0', '--http-host', '127.0.0.1'], {
      KONG_FLEET_REDIS_CLUSTER_NODES: cluster.seeds,
      // Un-tagged on purpose: cluster mode turns it into the hash tag itself.
      KONG_FLEET_QUEUE_PREFIX: prefix.slice(1, -1),
      KONG_FLEET_KUBECONFIG: kubeconfigPath(),
      KONG_FLEET_NAMESPACE: namespace,
      KONG_FLEET_WATCH_NAMESPACES: namespace,
      KONG_FLEET_PROXIES: fleet.proxies.map((p) => p.adminUrl).join(','),
      KONG_FLEET_LOG_LEVEL: 'info',
    });
    const address = await eventually(() => listeningAddress(cli!.stdout()), {
      timeoutMs: 30_000,
      description: 'the controller listening',
    });
    await eventually(
      async () => {
        const response = await fetch(`${address}/readyz`);
        return response.status === 200 || undefined;
      },
      { timeoutMs: 60_000, description: 'the controller ready on the cluster' },
    );

    const networking = kubeConfig().makeApiClient(NetworkingV1Api);
    const builds = new BuildStore({ redis, prefix });
    const names = Array.from({ length: BURST }, (_, i) => `burst-${i}`);
    const fleetPrimary = await cluster.primaryOf(redisKey(prefix, 'builds'));
    const primaryIndex = cluster.primaries.indexOf(fleetPrimary);
    expect(primaryIndex).toBeGreaterThanOrEqual(0);
    const replica = cluster.replicas[primaryIndex]!;
    for (const [i, name] of names.entries()) {
      if (i === BURST / 2) {
        // A manual failover of the primary that holds the fleet's slot, while writes keep coming.
        const admin = new Redis(replica.port, '127.0.0.1');
        try {
          expect(await admin.call('CLUSTER', 'FAILOVER')).toBe('OK');
        } finally {
          admin.disconnect();
        }
      }
      await networking.createNamespacedIngress({ namespace, body: pathIngress(namespace, name) });
    }
    await eventually(
      async () => (await cluster.primaryOf(redisKey(prefix, 'builds'))) === replica || undefined,
      {
        timeoutMs: 30_000,
        description: 'the replica to serve the fleet slot',
      },
    );

    const final = await eventually(
      async () => {
        const desired = await builds.desired();
        if (!desired) return undefined;
        const text = await builds.text(desired.hash);
        if (!text || !names.every((name) => text.includes(`/${name}`))) return undefined;
        return fleet.proxies.every((p) => p.state().configurationHash === desired.hash)
          ? desired.hash
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100, description: 'every proxy at a build with the whole burst' },
    );
    expect(final).toMatch(/\S/);

    // No job left active, waiting or overdue once the fleet has settled.
    const stuck = await eventually(
      async () => {
        const found = await stuckJobs(
          redis,
          prefix,
          jobs.map((job) => job.name),
          10_000,
        );
        return found.length === 0 ? found : undefined;
      },
      { timeoutMs: 30_000, description: 'no stuck job' },
    );
    expect(stuck).toEqual([]);
    // The controller never saw a cross-slot error.
    expect(cli.stdout()).not.toMatch(/CROSSSLOT/);
  }, 180_000);
});
