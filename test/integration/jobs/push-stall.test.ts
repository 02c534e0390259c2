import { type SimulatedProxy, startSimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../jobs/index.ts';
import { pushConfig } from '../../../jobs/push.ts';
import { KongAdminClient } from '../../../kong/admin/client.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { desire } from '../../helpers/desired-build.ts';
import { jobInState } from '../../helpers/jobs.ts';
import { freshNamespace } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';

/** Blocks the event loop, as a starved 2-core machine does to a worker: no timer (lock renewal) runs. */
function starve(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

/**
 * Issue 12: on a starved machine a push job's BullMQ lock expires, the job runs again while the first
 * run is still loading the config, and the proxy answers the second POST /config with 429 and
 * Retry-After 10 s. Here the lock is 1 s and the worker's event loop is blocked for 3 s at the
 * start of the first POST; the proxy's load takes 3 s.
 */
describe('push job whose lock expires while it runs', () => {
  let proxy: SimulatedProxy;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  const prefix = uniquePrefix('push-stall');
  const answers: string[] = [];

  beforeAll(async () => {
    const namespace = await freshNamespace('push-stall');
    proxy = await startSimulatedProxy({ id: 'kong-0', loadDurationMs: 3000 });
    const client = new KongAdminClient();
    let starved = false;
    const admin = new Proxy(client, {
      get(target, property) {
        // Bound to the client itself: its methods use private fields.
        const value = Reflect.get(target, property, target);
        if (property !== 'pushConfig') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<KongAdminClient['pushConfig']>) => {
          if (!starved) {
            starved = true;
            starve(3000);
          }
          const answer = await target.pushConfig(...args);
          answers.push(answer.kind);
          return answer;
        };
      },
    });
    pipeline = testPipeline(prefix, { namespace, admin });
    await pipeline.registry.replaceSource('Static', [
      { id: proxy.id, adminUrl: proxy.adminUrl, source: 'Static' },
    ]);
    runtime = testRuntime({
      prefix,
      jobs,
      deps: pipeline.deps,
      roles: ['push'],
      shutdownTimeoutMs: 2000,
      jobOverrides: { push: { lock: { durationMs: 1000, stalledIntervalMs: 500, maxStalledCount: 10 } } },
    });
    await runtime.start();
  });

  afterAll(async () => {
    await runtime?.stop('test done');
    await pipeline?.close();
    await proxy?.stop();
    await deleteKeysWithPrefix(prefix);
  });

  it('loads the build once: the second run waits for the first instead of earning a 429', {
    timeout: 60_000,
  }, async () => {
    const hash = await desire(
      pipeline,
      { _format_version: '3.0', services: [{ name: 's', host: 's.default.svc', port: 80 }] },
      1,
    );
    const started = Date.now();
    const id = await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
    await jobInState(pipeline.producer.queue('push'), id!, 'completed', 45_000);
    expect(proxy.state().configurationHash).toBe(hash);
    expect(proxy.state().configPushes).toBe(1);
    expect(answers).not.toContain('busy');
    // A 429 would have cost its Retry-After of 10 s.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
