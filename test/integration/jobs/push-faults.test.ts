import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SimulatedProxy, startSimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { driftCheck } from '../../../jobs/drift-check.ts';
import { jobs } from '../../../jobs/index.ts';
import { pushConfig } from '../../../jobs/push.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { desire } from '../../helpers/desired-build.ts';
import { jobInState } from '../../helpers/jobs.ts';
import { freshNamespace } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';

const config = (name: string) => ({
  _format_version: '3.0',
  services: [{ name, host: `${name}.default.svc`, port: 80, routes: [{ name, paths: [`/${name}`] }] }],
});

/**
 * A loopback stand-in for what sits in front of Kong (a load balancer): it answers the first
 * POST /config itself with `answer`, and forwards everything else to the proxy.
 */
async function frontOf(
  proxy: SimulatedProxy,
  answer: () => { status: number; headers: Record<string, string> },
) {
  const target = new URL(proxy.adminUrl);
  let intercepted = false;
  const server: Server = createServer((req, res) => {
    if (!intercepted && req.method === 'POST' && req.url?.startsWith('/config')) {
      intercepted = true;
      req.resume();
      const { status, headers } = answer();
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ message: 'Currently loading previous configuration' }));
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('push job when the proxy misbehaves', () => {
  let namespace: string;
  let proxy: SimulatedProxy;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  let revision = 0;
  const prefix = uniquePrefix('push-faults');

  const register = (adminUrl: string) =>
    pipeline.registry.replaceSource('Static', [{ id: proxy.id, adminUrl, source: 'Static' }]);
  const push = async (timeoutMs = 15_000) => {
    const id = await pipeline.producer.enqueue(pushConfig, { proxy: proxy.id });
    return jobInState(pipeline.producer.queue('push'), id!, 'completed', timeoutMs);
  };

  beforeAll(async () => {
    namespace = await freshNamespace('push-faults');
    proxy = await startSimulatedProxy({ id: 'kong-0', loadDurationMs: 5 });
    pipeline = testPipeline(prefix, { namespace });
    await register(proxy.adminUrl);
    runtime = testRuntime({
      prefix,
      jobs,
      deps: pipeline.deps,
      roles: ['push', 'drift'],
      shutdownTimeoutMs: 2000,
    });
    await runtime.start();
    // A proxy the controller knows (version, router): the next push starts with POST /config.
    await desire(pipeline, config('first'), ++revision);
    expect((await push()).returnvalue).toMatchObject({ outcome: 'synced' });
  });

  afterEach(() => {
    proxy.faults.setLatency(0);
  });

  afterAll(async () => {
    await runtime?.stop('test done');
    await pipeline.close();
    await proxy.stop();
    await deleteKeysWithPrefix(prefix);
  });

  it('takes a bare 400 (no configuration errors) for a transient failure: retried, never Rejected', async () => {
    const hash = await desire(pipeline, config('flaky'), ++revision);
    proxy.faults.failNext(1, 400);
    const job = await push();
    expect(job.returnvalue).toMatchObject({ outcome: 'synced', hash });
    expect(job.attemptsMade).toBe(2);
    const status = await pipeline.registry.status(proxy.id);
    expect(status).toMatchObject({ state: 'Synced', actualHash: hash });
    expect(status.rejectedHash).toBeUndefined();
    expect(proxy.state().configurationHash).toBe(hash);
  });

  it('waits out a 429 whose Retry-After is an HTTP-date', async () => {
    const hash = await desire(pipeline, config('dated'), ++revision);
    // HTTP-dates have whole seconds: 3 s ahead is between 2 and 3 s from now.
    const front = await frontOf(proxy, () => ({
      status: 429,
      headers: { 'retry-after': new Date(Date.now() + 3000).toUTCString() },
    }));
    try {
      await register(front.url);
      const started = Date.now();
      const job = await push();
      expect(job.returnvalue).toMatchObject({ outcome: 'synced', hash });
      expect(job.attemptsMade).toBe(2);
      // More than the 1 s a missing or unreadable Retry-After would give.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1800);
    } finally {
      await register(proxy.adminUrl);
      await front.close();
    }
  });

  it('a proxy answering after 8 s still converges, and drift checks then see it in sync', {
    timeout: 120_000,
  }, async () => {
    const hash = await desire(pipeline, config('slow'), ++revision);
    proxy.faults.setLatency(8000);
    // The drift check's short deadline marks it Unreachable first (which makes the push ask GET / again).
    const first = await pipeline.producer.enqueue(driftCheck, {});
    const report = (await jobInState(pipeline.producer.queue('drift-check'), first!, 'completed', 30_000))
      .returnvalue;
    expect(report).toMatchObject({ unreachable: 1 });
    expect(await pipeline.registry.status(proxy.id)).toMatchObject({ state: 'Unreachable' });

    const job = await push(90_000);
    expect(job.returnvalue).toMatchObject({ outcome: 'synced', hash });
    expect(proxy.state().configurationHash).toBe(hash);

    const again = await pipeline.producer.enqueue(driftCheck, {});
    const next = (await jobInState(pipeline.producer.queue('drift-check'), again!, 'completed', 60_000))
      .returnvalue;
    expect(next).toMatchObject({ inSync: 1, unreachable: 0 });
    expect(await pipeline.registry.status(proxy.id)).toMatchObject({ state: 'Synced', actualHash: hash });
  });
});
