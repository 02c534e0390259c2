import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKey } from '../../../domain/object-ref.ts';
import { buildConfig } from '../../../jobs/build.ts';
import { jobs } from '../../../jobs/index.ts';
import { pathIngress } from '../../../testing/path-ingress.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { eventsOn } from '../../helpers/events.ts';
import { jobInState } from '../../helpers/jobs.ts';
import { freshNamespace } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';

describe('build job', () => {
  let namespace: string;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  const prefix = uniquePrefix('build');

  const put = (object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
  }) => {
    const [group] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [''];
    const key = objectKey({
      kind: object.kind,
      group: group!,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
    });
    return pipeline.objects.put(key, JSON.stringify(object));
  };
  const service = (name: string, annotations: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, annotations },
    spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
  const ingress = (name: string) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    ...pathIngress(namespace, name),
  });
  const build = async () => {
    const id = await pipeline.producer.enqueue(buildConfig, { reason: 'test' });
    return (await jobInState(pipeline.producer.queue('build'), id!, 'completed')).returnvalue;
  };
  const queuedPushes = () => pipeline.producer.queue('push').getJobCountByTypes('wait', 'delayed');

  beforeAll(async () => {
    namespace = await freshNamespace('build');
    pipeline = testPipeline(prefix, { namespace });
    await pipeline.registry.replaceSource('Static', [
      { id: 'kong-a', adminUrl: 'https://127.0.0.1:1', source: 'Static' },
      { id: 'kong-b', adminUrl: 'https://127.0.0.1:2', source: 'Static' },
    ]);
    runtime = testRuntime({ prefix, jobs, deps: pipeline.deps, roles: ['build'] });
    await runtime.start();
  });

  afterAll(async () => {
    await runtime?.stop('test done');
    await pipeline.close();
    await deleteKeysWithPrefix(prefix);
  });

  it('builds nothing until every informer has listed', async () => {
    await put(service('echo'));
    await put(ingress('echo'));
    expect(await build()).toEqual({ outcome: 'waiting-for-sync' });
    expect(await pipeline.builds.desired()).toBeNull();
    expect(await queuedPushes()).toBe(0);
  });

  it('stores a new build, moves desired and asks every proxy to converge; an identical build pushes nothing', async () => {
    await pipeline.objects.setSynced('leader-1');
    const first = await build();
    expect(first).toMatchObject({ outcome: 'new', revision: 2, pushes: 2 });
    const desired = await pipeline.builds.desired();
    expect(desired).toMatchObject({ hash: first.hash, revision: 2 });
    const text = await pipeline.builds.text(first.hash);
    expect(JSON.parse(text!).services[0].routes[0].paths).toEqual(['/echo/', '~/echo$']); // KIC's Prefix form
    expect(await queuedPushes()).toBe(2);

    expect(await build()).toMatchObject({ outcome: 'unchanged', hash: first.hash, pushes: 0 });
    expect(await queuedPushes()).toBe(2);
  });

  it('keeps serving the last good config when everything left is broken', async () => {
    const good = await pipeline.builds.desired();
    await pipeline.objects.delete(
      objectKey({ kind: 'Ingress', group: 'networking.k8s.io', namespace, name: 'echo' }),
    );
    await pipeline.objects.delete(objectKey({ kind: 'Service', group: '', namespace, name: 'echo' }));
    await put({
      apiVersion: 'configuration.konghq.com/v1',
      kind: 'KongPlugin',
      metadata: { name: 'broken', namespace },
      plugin: 'rate-limiting',
      config: { minute: 'many' },
    } as never);
    await put(service('guarded', { 'konghq.com/plugins': 'broken' }));
    await put(ingress('guarded'));
    const result = await build();
    expect(result).toMatchObject({ outcome: 'kept-last-good' });
    expect(result.dropped).toBeGreaterThanOrEqual(1);
    expect(await pipeline.builds.desired()).toEqual(good);
  });

  it('never shows a Secret-sourced value in its record or Events, even one of an object it excluded', async () => {
    // An oauth2 credential Kong would reject (a redirect URI that is no URL): Kong's error names the entity by
    // its `name`, which comes out of the Secret.
    const appName = 'S3cretAppName-7f1c';
    await put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'oauth-app', namespace, labels: { 'konghq.com/credential': 'oauth2' } },
      stringData: { name: appName, client_id: 'cid-5d2e9a', redirect_uris: 'not a url' },
    } as never);
    await put({
      apiVersion: 'configuration.konghq.com/v1',
      kind: 'KongConsumer',
      metadata: { name: 'app', namespace, annotations: { 'kubernetes.io/ingress.class': 'kong' } },
      username: 'app',
      credentials: ['oauth-app'],
    } as never);
    await put(service('fine'));
    await put(ingress('fine'));
    const result = await build();
    expect(result).toMatchObject({ outcome: 'new' });
    const record = await pipeline.builds.record(result.hash);
    const reasons = (record?.dropped ?? []).map((d) => `${d.object}: ${d.reason}`);
    expect(reasons).toContainEqual(
      expect.stringMatching(/Secret.*oauth-app.*would reject oauth2_credential \[redacted\]/),
    );
    expect(JSON.stringify(record)).not.toContain(appName);
    const events = await eventsOn(namespace, 'oauth-app');
    expect(events.map((e) => e.message).join('\n')).toContain('[redacted]');
    expect(JSON.stringify(events)).not.toContain(appName);
  });
});
