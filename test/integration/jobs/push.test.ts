import { type SimulatedProxy, startSimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../jobs/index.ts';
import { pushConfig } from '../../../jobs/push.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { desire } from '../../helpers/desired-build.ts';
import { eventsOn } from '../../helpers/events.ts';
import { jobInState } from '../../helpers/jobs.ts';
import { freshNamespace } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';

const service = (name: string, tags: string[], plugins: unknown[] = []) => ({
  name,
  host: `${name}.default.svc`,
  port: 80,
  tags,
  routes: [{ name: `${name}-route`, paths: [`/${name}`], tags }],
  plugins,
});

describe('push job against a simulated proxy', () => {
  let namespace: string;
  let proxy: SimulatedProxy;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  const prefix = uniquePrefix('push');

  beforeAll(async () => {
    namespace = await freshNamespace('push');
    proxy = await startSimulatedProxy({ id: 'kong-0', retryAfterSeconds: 1, loadDurationMs: 5 });
    pipeline = testPipeline(prefix, { namespace });
    await pipeline.registry.replaceSource('Static', [
      { id: proxy.id, adminUrl: proxy.adminUrl, source: 'Static' },
    ]);
  });

  afterEach(async () => {
    await runtime?.stop('test done');
  });

  afterAll(async () => {
    await pipeline.close();
    await proxy.stop();
    await deleteKeysWithPrefix(prefix);
  });

  const startPushWorker = async () => {
    runtime = testRuntime({ prefix, jobs, deps: pipeline.deps, roles: ['push'], shutdownTimeoutMs: 2000 });
    await runtime.start();
  };

  it('pushes the desired build and records the hash the proxy reports', async () => {
    const hash = await desire(pipeline, { _format_version: '3.0', services: [service('echo', [])] }, 1);
    await startPushWorker();
    const id = await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
    const job = await jobInState(pipeline.producer.queue('push'), id!, 'completed');
    expect(job.returnvalue).toMatchObject({ outcome: 'synced', hash, status: 201 });
    expect(proxy.state().configurationHash).toBe(hash);
    expect(await pipeline.registry.status(proxy.id)).toMatchObject({
      state: 'Synced',
      actualHash: hash,
      kongVersion: '3.9.1',
    });

    // Same build again: check_hash=1 makes it a 304, nothing reloaded.
    const pushesBefore = proxy.state().configPushes;
    const again = await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
    expect(
      (await jobInState(pipeline.producer.queue('push'), again!, 'completed')).returnvalue,
    ).toMatchObject({
      status: 304,
    });
    expect(proxy.state().configPushes).toBe(pushesBefore);
  });

  it('waits out a 429 for the Retry-After time, then delivers', async () => {
    const hash = await desire(pipeline, { _format_version: '3.0', services: [service('busy', [])] }, 2);
    await startPushWorker();
    proxy.faults.failNext(1, 429);
    const started = Date.now();
    const id = await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
    const job = await jobInState(pipeline.producer.queue('push'), id!, 'completed', 15_000);
    expect(job.returnvalue).toMatchObject({ outcome: 'synced', hash });
    expect(job.attemptsMade).toBe(2); // the 429, then the delivery
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('maps a 400 back to the Kubernetes object through the entity tags: excluded, Event, new build, never re-sent', async () => {
    const tags = [
      `k8s-name:bad-plugin`,
      `k8s-namespace:${namespace}`,
      'k8s-kind:KongPlugin',
      'k8s-group:configuration.konghq.com',
      'k8s-version:v1',
    ];
    const bad = { name: 'rate-limiting', config: { minute: 5, policy: 'local', no_such_option: true }, tags };
    const hash = await desire(
      pipeline,
      { _format_version: '3.0', services: [service('guarded', [], [bad])] },
      3,
    );
    const before = proxy.state().configurationHash;
    await startPushWorker();
    const id = await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
    const job = await jobInState(pipeline.producer.queue('push'), id!, 'completed');
    expect(job.returnvalue).toMatchObject({ outcome: 'rejected', hash, objects: 1 });
    expect(proxy.state().configurationHash).toBe(before); // the proxy keeps its last good config

    const status = await pipeline.registry.status(proxy.id);
    expect(status).toMatchObject({ state: 'Rejected', rejectedHash: hash });
    expect(status.lastError).toMatch(/no_such_option/);
    const exclusions = await pipeline.objects.exclusions();
    expect([...exclusions.keys()]).toEqual([`KongPlugin.configuration.konghq.com/${namespace}/bad-plugin`]);
    expect(exclusions.values().next().value).toMatchObject({ configHash: hash, proxy: proxy.id });
    expect(await pipeline.producer.queue('build').getJobCountByTypes('wait', 'delayed')).toBe(1);
    const events = await eventsOn(namespace, 'bad-plugin');
    expect(events[0]).toMatchObject({ reason: 'KongConfigurationRejected' });
    expect(events[0]!.message).toMatch(/proxy kong-0 rejected the configuration: .*no_such_option/);

    const pushesBefore = proxy.state().configPushes;
    const again = await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
    expect(
      (await jobInState(pipeline.producer.queue('push'), again!, 'completed')).returnvalue,
    ).toMatchObject({
      outcome: 'skipped',
      reason: 'this proxy already rejected this build',
    });
    expect(proxy.state().configPushes).toBe(pushesBefore);
  });

  it('writes no value of the rejected config into the Event or lastError (Kong quotes them)', async () => {
    const secret = 's3cr3t-range';
    const tags = [
      'k8s-name:guard',
      `k8s-namespace:${namespace}`,
      'k8s-kind:KongPlugin',
      'k8s-group:configuration.konghq.com',
      'k8s-version:v1',
    ];
    // Kong answers `config.allow.1: invalid ip or cidr range: 's3cr3t-range'`.
    const guard = { name: 'ip-restriction', config: { allow: [secret] }, tags };
    const hash = await desire(
      pipeline,
      { _format_version: '3.0', services: [service('fenced', [], [guard])] },
      4,
    );
    await startPushWorker();
    const id = await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
    const job = await jobInState(pipeline.producer.queue('push'), id!, 'completed');
    expect(job.returnvalue).toMatchObject({ outcome: 'rejected', hash, objects: 1 });

    const status = await pipeline.registry.status(proxy.id);
    expect(status.lastError).toBe(
      "plugin ip-restriction: config.allow.1: invalid ip or cidr range: '<redacted>'",
    );
    const events = await eventsOn(namespace, 'guard');
    expect(events[0]!.message).toBe(
      "proxy kong-0 rejected the configuration: plugin ip-restriction: config.allow.1: invalid ip or cidr range: '<redacted>'",
    );
    const exclusion = (await pipeline.objects.exclusions()).get(
      `KongPlugin.configuration.konghq.com/${namespace}/guard`,
    );
    expect(exclusion?.reason).toContain('<redacted>');
    for (const text of [status.lastError, exclusion?.reason, ...events.map((e) => e.message)])
      expect(text).not.toContain(secret);
  });

  it('does not configure a proxy older than the supported minimum', async () => {
    await desire(pipeline, { _format_version: '3.0', services: [service('old', [])] }, 5);
    proxy.faults.setVersion('3.3.0');
    try {
      await pipeline.registry.updateStatus(proxy.id, { state: 'Pending' });
      await startPushWorker();
      const id = await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
      const job = await jobInState(pipeline.producer.queue('push'), id!, 'completed');
      expect(job.returnvalue).toEqual({ outcome: 'incompatible', version: '3.3.0' });
      expect(await pipeline.registry.status(proxy.id)).toMatchObject({
        state: 'Incompatible',
        kongVersion: '3.3.0',
      });
    } finally {
      proxy.faults.setVersion('3.9.1');
    }
  });
});
