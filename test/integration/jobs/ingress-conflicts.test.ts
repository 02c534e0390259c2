import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKey } from '../../../domain/object-ref.ts';
import { buildConfig } from '../../../jobs/build.ts';
import { jobs } from '../../../jobs/index.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { eventsOn } from '../../helpers/events.ts';
import { jobInState } from '../../helpers/jobs.ts';
import { freshNamespace } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';

/** Issue 18: an Ingress of another namespace cannot take an older Ingress's host+path; it gets a Warning Event. */
describe('cross-namespace Ingress conflict through the build job', () => {
  const prefix = uniquePrefix('conflict');
  let owner: string;
  let tenant: string;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;

  const ingress = (namespace: string, name: string, created: string) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, creationTimestamp: created },
    spec: {
      ingressClassName: 'kong',
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              {
                path: '/cart',
                pathType: 'Prefix',
                backend: { service: { name: 'svc', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  });
  const service = (namespace: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'svc', namespace },
    spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
  const put = (object: { kind: string; apiVersion: string; metadata: { name: string; namespace: string } }) =>
    pipeline.objects.put(
      objectKey({
        kind: object.kind,
        group: object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '',
        namespace: object.metadata.namespace,
        name: object.metadata.name,
      }),
      JSON.stringify(object),
    );

  beforeAll(async () => {
    owner = await freshNamespace('conflict-owner');
    tenant = await freshNamespace('conflict-tenant');
    pipeline = testPipeline(prefix, { namespace: owner });
    runtime = testRuntime({ prefix, jobs, deps: pipeline.deps, roles: ['build'] });
    await runtime.start();
  });

  afterAll(async () => {
    await runtime?.stop('test done');
    await pipeline.close();
    await deleteKeysWithPrefix(prefix);
  });

  it('ships only the oldest Ingress for the host+path and warns the later one with the owner named', async () => {
    for (const object of [
      service(owner),
      service(tenant),
      ingress(owner, 'shop', '2026-01-01T00:00:00Z'),
      ingress(tenant, 'hijack', '2026-06-01T00:00:00Z'),
    ])
      await put(object);
    await pipeline.objects.setSynced('leader-1');
    const id = await pipeline.producer.enqueue(buildConfig, { reason: 'test' });
    const result = (await jobInState(pipeline.producer.queue('build'), id!, 'completed')).returnvalue;
    expect(result).toMatchObject({ outcome: 'new' });
    const text = await pipeline.builds.text(result.hash);
    const routes = (JSON.parse(text!).services as { routes: { name: string }[] }[]).flatMap((s) =>
      s.routes.map((r) => r.name),
    );
    expect(routes).toEqual([`${owner}.shop.svc.shop.example.com.80`]);
    const events = await eventsOn(tenant, 'hijack', 60_000);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          reason: 'KongConfigurationTranslationFailed',
          message: expect.stringContaining(`already served by Ingress ${owner}/shop`),
        }),
      ]),
    );
  });
});
