import { type SimulatedProxy, startSimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCheck } from '../../../jobs/drift-check.ts';
import type { PipelineDeps } from '../../../jobs/ports.ts';
import { pushConfig } from '../../../jobs/push.ts';
import { shadowAndTakeover } from '../../../jobs/shadow-check.ts';
import type { JobContext } from '../../../queue/define-job.ts';
import { JobProducer } from '../../../queue/producer.ts';
import { runCli } from '../../helpers/cli.ts';
import { desire } from '../../helpers/desired-build.ts';
import { freshNamespace, kubeconfigPath, kubectl, kubectlApply } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../../helpers/redis.ts';

/** What KIC would push: ids on the service and route (KIC's FillIDs), none on the rest. */
const kicConfig = (retries = 5) => ({
  _format_version: '3.0',
  services: [
    {
      id: 'fe1e2edc-5479-52fe-b0f4-b90d8d5f83ba',
      name: 'foo-namespace.foo-svc.80',
      host: 'foo-svc.foo-namespace.80.svc',
      port: 80,
      retries,
      routes: [
        { id: '3eee2c18-8fcc-5661-8f84-5c89adfa404f', name: 'foo-namespace.foo.foo-svc.80', paths: ['/'] },
      ],
    },
  ],
  upstreams: [{ name: 'foo-svc.foo-namespace.80.svc', targets: [{ target: '10.0.0.5:8080' }] }],
});

const silent = { info: () => {} };

/** What a worker hands a job's run(). */
const jobContext = (deps: PipelineDeps): JobContext<PipelineDeps> => ({
  log: pino({ level: 'silent' }),
  signal: new AbortController().signal,
  attempt: 1,
  jobId: 'test',
  deps,
});

describe('shadow check and takeover against simulated proxies', () => {
  let namespace: string;
  let proxies: SimulatedProxy[];
  let pipeline: TestPipeline;
  let deps: PipelineDeps;
  let redis: Redis;
  let producer: JobProducer;
  const prefix = uniquePrefix('shadow');
  const signal = new AbortController().signal;

  /** A push as KIC makes it. */
  const kicPush = async (proxy: SimulatedProxy, config: unknown) => {
    const res = await fetch(`${proxy.adminUrl}/config?check_hash=1&flatten_errors=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ config: JSON.stringify(config) }),
    });
    expect(res.status).toBe(201);
  };
  const setMode = (spec: object) =>
    kubectl([
      'patch',
      'proxyfleet',
      'default',
      `--namespace=${namespace}`,
      '--type=merge',
      '-p',
      JSON.stringify({ spec }),
    ]);

  beforeAll(async () => {
    namespace = await freshNamespace('shadow');
    proxies = await Promise.all([0, 1].map((i) => startSimulatedProxy({ id: `kong-${i}` })));
    pipeline = testPipeline(prefix, { namespace, staleAfterMs: 30_000 });
    await pipeline.registry.replaceSource(
      'Static',
      proxies.map((proxy) => ({ id: proxy.id, adminUrl: proxy.adminUrl, source: 'Static' as const })),
    );
    redis = new Redis(redisUrl());
    producer = new JobProducer({ connection: redis, prefix });
    deps = pipeline.deps({ redis, producer, logger: pino({ level: 'silent' }) });
    await kubectlApply(`
apiVersion: kongfleet.io/v1alpha1
kind: ProxyFleet
metadata: { name: default, namespace: ${namespace} }
spec: { mode: shadow }
`);
  });

  afterAll(async () => {
    await producer.close();
    redis.disconnect();
    await pipeline.close();
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await deleteKeysWithPrefix(prefix);
  });

  it('is clean when every proxy runs the same entities and ids, whatever the text', async () => {
    for (const proxy of proxies) await kicPush(proxy, kicConfig());
    // kong-fleet's build of the same: other key order, defaults spelled out, so another hash.
    const config = kicConfig();
    const hash = await desire(
      pipeline,
      { ...config, services: [{ ...config.services[0], protocol: 'http' }] },
      1,
    );
    const { record, report } = await shadowAndTakeover(deps, signal, silent);
    expect(record.mode).toBe('shadow');
    expect(report).toMatchObject({ desiredHash: hash, clean: true });
    expect(report?.summary).toBe(`2/2 proxies run what kong-fleet would push (hash ${hash})`);
  });

  it('names the first differences, ids included, and refuses a takeover until they are gone', async () => {
    const moved = kicConfig(6);
    moved.services[0]!.routes[0]!.id = 'ab6b1505-ec86-5b04-9d39-a95a711564cc';
    await kicPush(proxies[1]!, moved);
    await setMode({ mode: 'active' });
    await expect.poll(async () => (await deps.fleet.modeSpec()).mode, { timeout: 10_000 }).toBe('active');
    const pushes = proxies.map((proxy) => proxy.state().configPushes);
    const refused = await shadowAndTakeover(deps, signal, silent);
    expect(refused.record).toMatchObject({ mode: 'shadow' });
    expect(refused.record.refused).toContain('1/2 proxies differ');
    expect(refused.report?.proxies.find((entry) => entry.proxy === 'kong-1')?.first).toEqual([
      '~ routes foo-namespace.foo.foo-svc.80 (id)',
      '~ services foo-namespace.foo-svc.80 (retries)',
    ]);
    expect(await deps.shadow.mode()).toMatchObject({ mode: 'shadow' });

    // KIC puts it right: the takeover asked for goes through and every proxy is asked to converge.
    await kicPush(proxies[1]!, kicConfig());
    const taken = await shadowAndTakeover(deps, signal, silent);
    expect(taken.record).toMatchObject({ mode: 'active' });
    expect(taken.record.reason).toMatch(/^took over: shadow diff clean at hash /);
    const counts = await producer.queue('push').getJobCounts('waiting', 'delayed', 'prioritized');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(2);
    // Nothing was pushed by the check itself.
    expect(proxies.map((proxy) => proxy.state().configPushes)).toEqual(
      pushes.map((n, i) => (i === 1 ? n + 1 : n)),
    );
  });

  it('a replica whose cached spec predates `shadow handback` neither pushes nor takes over again', async () => {
    // State left by the takeover above: spec active, recorded active. Another replica read the spec just now.
    const other = testPipeline(prefix, { namespace });
    const otherDeps = other.deps({ redis, producer, logger: pino({ level: 'silent' }) });
    try {
      expect((await otherDeps.fleet.modeSpec()).mode).toBe('active');
      const handback = await runCli(['shadow', 'handback'], {
        KONG_FLEET_REDIS_URL: redisUrl(),
        KONG_FLEET_QUEUE_PREFIX: prefix,
        KONG_FLEET_KUBECONFIG: kubeconfigPath(),
        KONG_FLEET_NAMESPACE: namespace,
      });
      expect(handback.code, handback.stderr).toBe(0);
      // Its cache still says active; what it acts on must not.
      expect((await otherDeps.fleet.modeSpec()).mode).toBe('active');
      for (const proxy of proxies) await kicPush(proxy, kicConfig(7));
      const pushes = proxies.map((proxy) => proxy.state().configPushes);
      await expect(pushConfig.run({ proxy: 'kong-0' }, jobContext(otherDeps))).resolves.toEqual({
        outcome: 'skipped',
        reason: 'shadow mode: not pushing',
      });
      const { record } = await shadowAndTakeover(otherDeps, signal, silent);
      expect(record.mode).toBe('shadow');
      await driftCheck.run({}, jobContext(otherDeps));
      expect(proxies.map((proxy) => proxy.state().configPushes)).toEqual(pushes);
    } finally {
      await other.close();
    }
  });

  it('goes back to shadow at once on a handback, never refused', async () => {
    await setMode({ mode: 'shadow' });
    await expect.poll(async () => (await deps.fleet.modeSpec()).mode, { timeout: 10_000 }).toBe('shadow');
    const { record } = await shadowAndTakeover(deps, signal, silent);
    expect(record.mode).toBe('shadow');
    expect(record.refused).toBeUndefined();
  });
});
