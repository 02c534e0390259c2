import { type SimulatedProxy, startSimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKey } from '../../../domain/object-ref.ts';
import { buildConfig } from '../../../jobs/build.ts';
import { jobs } from '../../../jobs/index.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { eventsOn } from '../../helpers/events.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';
import { stickyEchoObjects } from '../../helpers/sticky-sessions.ts';

/**
 * Translation follows the Kong versions the proxies report: a KongUpstreamPolicy with sticky sessions ships while
 * every proxy runs Kong 3.11, and is held back (with KIC's Event) as soon as a 3.9 proxy joins the fleet.
 */
describe('Kong-version gates follow the fleet', () => {
  let namespace: string;
  let modern: SimulatedProxy;
  let older: SimulatedProxy | undefined;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  const prefix = uniquePrefix('gates');

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
  /** The desired build's text once every given proxy runs it and its push has recorded so. */
  const converged = (proxies: SimulatedProxy[], description: string) =>
    eventually(
      async () => {
        const desired = await pipeline.builds.desired();
        if (!desired || proxies.some((p) => p.state().configurationHash !== desired.hash)) return undefined;
        const recorded = await Promise.all(proxies.map((p) => pipeline.registry.status(p.id)));
        if (recorded.some((status) => status.actualHash !== desired.hash)) return undefined;
        return (await pipeline.builds.text(desired.hash)) ?? undefined;
      },
      { timeoutMs: 30_000, description },
    );

  beforeAll(async () => {
    namespace = await freshNamespace('gates');
    modern = await startSimulatedProxy({ id: 'kong-311', kongVersion: '3.11.0', loadDurationMs: 5 });
    pipeline = testPipeline(prefix, { namespace });
    await pipeline.registry.replaceSource('Static', [
      { id: modern.id, adminUrl: modern.adminUrl, source: 'Static' },
    ]);
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
    await modern.stop();
    await older?.stop();
    await deleteKeysWithPrefix(prefix);
  });

  it('ships sticky sessions while every proxy runs Kong 3.11', async () => {
    for (const object of stickyEchoObjects(namespace)) await put(object);
    await put({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'echo', namespace },
      spec: {
        ingressClassName: 'kong',
        rules: [
          {
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'echo', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    } as never);
    // What the push job records from the proxy's GET / (so not even the first build gates by the settings'
    // 3.9.1, and no Event about sticky sessions exists before the 3.9 proxy joins).
    await pipeline.registry.updateStatus(modern.id, {
      kongVersion: '3.11.0',
      routerFlavor: 'traditional_compatible',
      edition: 'community',
    });
    await pipeline.objects.setSynced('leader-1');
    await pipeline.producer.enqueue(buildConfig, { reason: 'test' });
    const text = await converged([modern], 'the 3.11 proxy to run the desired build');
    const upstream = JSON.parse(text).upstreams.find((u: { name: string }) => u.name.startsWith('echo.'));
    expect(upstream).toMatchObject({ algorithm: 'sticky-sessions', sticky_sessions_cookie: 'route' });
  });

  it('holds them back, with KIC’s Event on the Service, once a Kong 3.9 proxy joins', async () => {
    older = await startSimulatedProxy({ id: 'kong-39', kongVersion: '3.9.1', loadDurationMs: 5 });
    await pipeline.registry.replaceSource('Static', [
      { id: modern.id, adminUrl: modern.adminUrl, source: 'Static' },
      { id: older.id, adminUrl: older.adminUrl, source: 'Static' },
    ]);
    // What the push job records from the newcomer's GET /, then the rebuild that report asks for (a newcomer
    // announced by discovery instead, whose push finds a build not made for it: version-gates-join.test.ts).
    await pipeline.registry.updateStatus(older.id, {
      kongVersion: '3.9.1',
      routerFlavor: 'traditional_compatible',
      edition: 'community',
    });
    await pipeline.producer.enqueue(buildConfig, { reason: 'proxy kong-39 reports Kong 3.9.1' });
    const text = await eventually(
      async () => {
        const built = await converged([modern, older!], 'both proxies to run the desired build');
        return built && !built.includes('sticky-sessions') ? built : undefined;
      },
      { timeoutMs: 30_000, description: 'a build without sticky sessions on both proxies' },
    );
    const upstream = JSON.parse(text).upstreams.find((u: { name: string }) => u.name.startsWith('echo.'));
    expect(upstream.algorithm).toBe('round-robin');
    expect(upstream).not.toHaveProperty('sticky_sessions_cookie');
    const events = await eventsOn(namespace, 'echo');
    expect(events.map((e) => e.message)).toContain(
      "sticky sessions algorithm specified in KongUpstreamPolicy 'sticky' is not supported with Kong Gateway versions < 3.11.0",
    );
    expect((await pipeline.registry.status(older.id)).state).toBe('Synced');
  });
});
