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

describe('builds validate with the profile the proxies report', () => {
  let namespace: string;
  let proxy: SimulatedProxy;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  const prefix = uniquePrefix('profile');

  const ingress = (name: string, path: string, pathType: string) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace },
    spec: {
      ingressClassName: 'kong',
      rules: [
        {
          host: `${name}.example.com`,
          http: { paths: [{ path, pathType, backend: { service: { name: 'echo', port: { number: 80 } } } }] },
        },
      ],
    },
  });
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
  /**
   * Waits until the proxy runs the desired build and its push has recorded so (the proxy loads a config before
   * the push job reads its GET /status and writes the registry), and returns that build's text.
   */
  const converged = () =>
    eventually(
      async () => {
        const desired = await pipeline.builds.desired();
        return desired &&
          proxy.state().configurationHash === desired.hash &&
          (await pipeline.registry.status(proxy.id)).actualHash === desired.hash
          ? pipeline.builds.text(desired.hash)
          : undefined;
      },
      { timeoutMs: 20_000, description: 'the proxy to run the desired build' },
    );

  beforeAll(async () => {
    namespace = await freshNamespace('profile');
    // Kong 3.x's default router: its Rust regex engine has no look-around.
    proxy = await startSimulatedProxy({
      id: 'kong-0',
      routerFlavor: 'traditional_compatible',
      loadDurationMs: 5,
    });
    pipeline = testPipeline(prefix, { namespace });
    await pipeline.registry.replaceSource('Static', [
      { id: proxy.id, adminUrl: proxy.adminUrl, source: 'Static' },
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
    await proxy.stop();
    await deleteKeysWithPrefix(prefix);
  });

  it('records what the proxy reports in GET /', async () => {
    await put({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace },
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    } as never);
    await put(ingress('plain', '/plain', 'Prefix'));
    await pipeline.objects.setSynced('leader-1');
    await pipeline.producer.enqueue(buildConfig, { reason: 'test' });
    await converged();
    expect(await pipeline.registry.status(proxy.id)).toMatchObject({
      state: 'Synced',
      kongVersion: '3.9.1',
      routerFlavor: 'traditional_compatible',
      edition: 'community',
    });
  });

  it('drops a look-ahead path locally, with an Event, instead of earning a 400 from the proxy', async () => {
    const pushesBefore = proxy.state().configPushes;
    await put(ingress('ahead', '/~/(?=foo)bar', 'ImplementationSpecific'));
    await pipeline.producer.enqueue(buildConfig, { reason: 'test' });
    const events = await eventsOn(namespace, 'ahead');
    expect(events[0]).toMatchObject({ reason: 'KongConfigurationTranslationFailed' });
    expect(events[0]!.message).toMatch(/Kong would reject route .*look-around/s);

    // The proxy never saw the path: no rejection, no exclusion from a proxy, the build it runs lacks it.
    const text = await converged();
    expect(text).toContain('plain.example.com');
    expect(text).not.toContain('(?=foo)');
    const status = await pipeline.registry.status(proxy.id);
    expect(status.state).toBe('Synced');
    expect(status.rejectedHash).toBeUndefined();
    expect((await pipeline.objects.exclusions()).size).toBe(0);
    expect(proxy.state().configPushes).toBeLessThanOrEqual(pushesBefore + 1);
  });
});
