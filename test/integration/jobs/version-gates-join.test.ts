import { type SimulatedProxy, startSimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKey } from '../../../domain/object-ref.ts';
import { buildConfig } from '../../../jobs/build.ts';
import { jobs } from '../../../jobs/index.ts';
import { pushConfig } from '../../../jobs/push.ts';
import { pinFleet, unpinFleet } from '../../../jobs/rollout.ts';
import { RolloutStore } from '../../../queue/store/rollout-store.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubectl } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';
import { stickyEchoObjects } from '../../helpers/sticky-sessions.ts';

/**
 * The join race (issue 20): a proxy running an older Kong joins a fleet whose build uses a feature only newer
 * Kongs have. Nothing here writes a proxy's version by hand: every proxy is announced the way discovery
 * announces it (a push job), and the push job learns its version from `GET /`. The newcomer must wait for a
 * build made for its own profile instead of being sent the newer fleet's build, whose 400 would otherwise be
 * taken as a verdict on the objects and exclude them fleet-wide.
 */
describe('a Kong 3.9 proxy joining a Kong 3.11 fleet', () => {
  let namespace: string;
  const modern: SimulatedProxy[] = [];
  let older: SimulatedProxy | undefined;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  const prefix = uniquePrefix('gates-join');
  /** The build with sticky sessions (made for Kong 3.11 only), and the one made for both versions. */
  let stickyHash = '';
  let bothHash = '';

  const put = (object: { kind: string; apiVersion: string; metadata: { name: string } }) =>
    pipeline.objects.put(
      objectKey({
        kind: object.kind,
        group: object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '',
        namespace,
        name: object.metadata.name,
      }),
      JSON.stringify(object),
    );
  const endpoints = (proxies: SimulatedProxy[]) =>
    proxies.map((p) => ({ id: p.id, adminUrl: p.adminUrl, source: 'Static' as const }));
  /** What discovery does for newcomers (workers/controller.ts): one push job each, nothing else. */
  const announce = (proxies: SimulatedProxy[]) =>
    Promise.all(proxies.map((p) => pipeline.producer.enqueue(pushConfig, { proxy: p.id })));
  /** The names of the routes a proxy runs. */
  const routesOf = (proxy: SimulatedProxy) =>
    Object.values(proxy.state().config.routes ?? {})
      .map((route) => String(route.name))
      .sort();
  const bothRoutes = () => [`${namespace}.echo.echo..80`, `${namespace}.other.other..80`];

  beforeAll(async () => {
    namespace = await freshNamespace('gates-join');
    for (const id of ['kong-311-a', 'kong-311-b'])
      modern.push(await startSimulatedProxy({ id, kongVersion: '3.11.0', loadDurationMs: 5 }));
    pipeline = testPipeline(prefix, { namespace });
    await pipeline.registry.replaceSource('Static', endpoints(modern));
    runtime = testRuntime({
      prefix,
      jobs,
      deps: pipeline.deps,
      roles: ['build', 'push'],
      shutdownTimeoutMs: 2000,
    });
    await runtime.start();
  });

  afterAll(async () => {
    await runtime?.stop('test done');
    await pipeline.close();
    await Promise.all(modern.map((p) => p.stop()));
    await older?.stop();
    await deleteKeysWithPrefix(prefix);
  });

  /** The desired build's text and hash once every given proxy runs it and `accept` says it is the one. */
  const converged = (proxies: SimulatedProxy[], accept: (text: string) => boolean, description: string) =>
    eventually(
      async () => {
        const desired = await pipeline.builds.desired();
        if (!desired || proxies.some((p) => p.state().configurationHash !== desired.hash)) return undefined;
        const text = await pipeline.builds.text(desired.hash);
        return text !== null && accept(text) ? { text, hash: desired.hash } : undefined;
      },
      { timeoutMs: 30_000, description },
    );

  it('runs sticky sessions on a fleet of Kong 3.11 proxies', async () => {
    for (const object of stickyEchoObjects(namespace)) await put(object);
    // Another route, without the policy: a fallback build that leaves echo out still has something to ship.
    await put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'other', namespace },
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    } as never);
    for (const [name, path] of [
      ['echo', '/'],
      ['other', '/other'],
    ] as const) {
      await put({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name, namespace },
        spec: {
          ingressClassName: 'kong',
          rules: [
            {
              http: {
                paths: [{ path, pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }],
              },
            },
          ],
        },
      } as never);
    }
    await pipeline.objects.setSynced('leader-1');
    await pipeline.producer.enqueue(buildConfig, { reason: 'test' });
    await announce(modern);
    const { text, hash } = await converged(
      modern,
      (built) => built.includes('sticky-sessions'),
      'the 3.11 proxies to run a build with sticky sessions',
    );
    const upstream = JSON.parse(text).upstreams.find((u: { name: string }) => u.name.startsWith('echo.'));
    expect(upstream).toMatchObject({ algorithm: 'sticky-sessions', sticky_sessions_cookie: 'route' });
    stickyHash = hash;
  });

  it('waits for a build made for Kong 3.9 instead of being sent the 3.11 one', async () => {
    older = await startSimulatedProxy({ id: 'kong-39', kongVersion: '3.9.1', loadDurationMs: 5 });
    await pipeline.registry.replaceSource('Static', endpoints([...modern, older]));
    // The 3.11 proxies keep both routes at every look: echo is never lost to a fallback build.
    const modernRoutes = new Set<string>();
    await announce([older]);
    const { text, hash } = await eventually(
      async () => {
        for (const proxy of modern) modernRoutes.add(routesOf(proxy).join(' '));
        const desired = await pipeline.builds.desired();
        const fleet = [...modern, older!];
        if (!desired || fleet.some((p) => p.state().configurationHash !== desired.hash)) return undefined;
        // Loaded, and recorded by the push (which reads GET /status after the load).
        const recorded = await Promise.all(fleet.map((p) => pipeline.registry.status(p.id)));
        if (recorded.some((status) => status.actualHash !== desired.hash)) return undefined;
        const built = await pipeline.builds.text(desired.hash);
        return built !== null && !built.includes('sticky-sessions')
          ? { text: built, hash: desired.hash }
          : undefined;
      },
      { timeoutMs: 30_000, description: 'every proxy to run a build without sticky sessions' },
    );

    // The build every proxy runs was made for both Kong versions and still holds the echo route and service.
    const config = JSON.parse(text);
    expect(config.services.map((s: { name: string }) => s.name).sort()).toEqual([
      `${namespace}.echo.80`,
      `${namespace}.other.80`,
    ]);
    const upstream = config.upstreams.find((u: { name: string }) => u.name.startsWith('echo.'));
    expect(upstream.algorithm).toBe('round-robin');
    for (const proxy of [...modern, older]) expect(routesOf(proxy)).toEqual(bothRoutes());
    const record = await pipeline.builds.record(hash);
    expect(record?.profiles?.map((p) => p.kongVersion).sort()).toEqual(['3.11.0', '3.9.1']);
    // All the build reports is the gate itself (README: the policy is not applied below 3.11); the Service ships.
    expect(record?.dropped).toEqual([
      {
        object: `Service ${namespace}/echo`,
        reason:
          "sticky sessions algorithm specified in KongUpstreamPolicy 'sticky' is not supported with Kong Gateway versions < 3.11.0",
      },
    ]);

    // No object was taken for broken: nothing excluded, nothing rejected, no proxy holds a rejected build.
    expect([...(await pipeline.objects.exclusions()).keys()]).toEqual([]);
    for (const proxy of [...modern, older])
      expect(await pipeline.registry.status(proxy.id)).toMatchObject({ state: 'Synced', actualHash: hash });
    expect((await pipeline.registry.status(older.id)).rejectedHash).toBeUndefined();
    const events = JSON.parse(await kubectl(['get', 'events', '-n', namespace, '-o', 'json'])) as {
      items: { reason: string }[];
    };
    const reasons = events.items.map((event) => event.reason);
    expect(reasons).not.toContain('KongConfigurationRejected');
    bothHash = hash;
    expect([...modernRoutes]).toEqual([bothRoutes().join(' ')]);
  });

  it('keeps a pinned build it was not made for from the 3.9 proxy, and delivers once unpinned', async () => {
    const redis = new Redis(redisUrl());
    try {
      const deps = {
        rollouts: new RolloutStore({ redis, prefix }),
        builds: pipeline.builds,
        registry: pipeline.registry,
        producer: pipeline.producer,
      };
      // `kong-fleet rollback STICKY`: the fleet is held on the build made before the 3.9 proxy joined.
      expect(await pinFleet(deps, stickyHash, 'test')).toMatchObject({ ok: true });
      const waiting = await eventually(
        async () => {
          if (modern.some((p) => p.state().configurationHash !== stickyHash)) return undefined;
          const status = await pipeline.registry.status(older!.id);
          return status.awaitingBuild ? status : undefined;
        },
        { timeoutMs: 30_000, description: 'the 3.11 proxies on the pinned build, the 3.9 one waiting' },
      );
      expect(waiting).toMatchObject({ state: 'Pending', desiredHash: stickyHash });
      expect(waiting.awaitingBuild).toBe(
        `build ${stickyHash}, which a pin or rollout gives this proxy, was not made for Kong 3.9.1 (traditional_compatible, community); waiting for one that is`,
      );
      expect(waiting.rejectedHash).toBeUndefined();
      // It keeps serving the build it has; nothing was sent to it, nothing excluded.
      expect(older!.state().configurationHash).toBe(bothHash);
      expect((await pipeline.objects.exclusions()).size).toBe(0);

      expect(await unpinFleet(deps, undefined, 'test')).toMatchObject({ ok: true });
      await eventually(
        async () => {
          const statuses = await Promise.all([...modern, older!].map((p) => pipeline.registry.status(p.id)));
          return [...modern, older!].every((p) => p.state().configurationHash === bothHash) &&
            statuses.every((status) => status.actualHash === bothHash && !status.awaitingBuild)
            ? true
            : undefined;
        },
        { timeoutMs: 30_000, description: 'every proxy back on the build made for both versions' },
      );
    } finally {
      redis.disconnect();
    }
  });
});
