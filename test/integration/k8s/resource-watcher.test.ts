import { queryObjects } from 'node:v8';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceWatcher } from '../../../k8s/resource-watcher.ts';
import { watchedKinds } from '../../../k8s/watched-kinds.ts';
import { ObjectStore } from '../../../queue/store/object-store.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig } from '../../helpers/kube.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../../helpers/redis.ts';

const ingressKind = watchedKinds.find((kind) => kind.kind === 'Ingress')!;

/** Live Promises (queryObjects collects garbage first). */
const livePromises = () => queryObjects(Promise, { format: 'count' }) as number;

describe('ResourceWatcher: the wait between watch events (issue 20, memory)', () => {
  let namespace: string;
  let redis: Redis;
  let store: ObjectStore;
  const prefix = uniquePrefix('watcher');

  beforeAll(async () => {
    namespace = await freshNamespace('watcher');
    redis = new Redis(redisUrl());
    store = new ObjectStore({ redis, prefix });
  });
  afterAll(async () => {
    redis.disconnect();
    await deleteKeysWithPrefix(prefix);
  });

  const watcher = (watchdogMs: number) =>
    new ResourceWatcher({
      kubeConfig: kubeConfig(),
      watched: ingressKind,
      namespace,
      sink: store,
      onChange: () => {},
      logger: pino({ level: 'silent' }),
      watchdogMs,
    });

  it('a silent watch is listed again after the watchdog; resync() and stopping end the wait at once', async () => {
    const silent = watcher(1500);
    const stop = new AbortController();
    const running = silent.run(stop.signal);
    try {
      // Nothing happens in the namespace: each lifetime ends when the watchdog passes.
      await eventually(async () => (silent.listCount >= 3 ? true : undefined), {
        timeoutMs: 30_000,
        description: 'three lists of a silent watch',
      });
    } finally {
      stop.abort();
    }
    const stopped = performance.now();
    await running;
    expect(performance.now() - stopped).toBeLessThan(5000);

    const patient = watcher(600_000);
    const stopPatient = new AbortController();
    const runningPatient = patient.run(stopPatient.signal);
    try {
      await eventually(async () => (patient.ready() ? true : undefined), {
        timeoutMs: 30_000,
        description: 'the first list',
      });
      const lists = patient.listCount;
      patient.resync();
      // Far sooner than the 10-minute watchdog.
      await eventually(async () => (patient.listCount > lists ? true : undefined), {
        timeoutMs: 20_000,
        description: 'a new list after resync()',
      });
    } finally {
      stopPatient.abort();
      await runningPatient;
    }
  });

  it('waiting holds no memory: 100 idle watchers for 8 s leave no Promise behind', async () => {
    const stop = new AbortController();
    const watchers = Array.from({ length: 100 }, () => watcher(600_000));
    const running = watchers.map((w) => w.run(stop.signal));
    try {
      await eventually(async () => (watchers.every((w) => w.ready()) ? true : undefined), {
        timeoutMs: 60_000,
        description: '100 watchers listed',
      });
      const before = livePromises();
      // Idle watches: nothing to do but wait. When each wait raced a promise that lives as long as the
      // watch, every wait left two Promises behind: +1,600 here before the fix, +0 after.
      const until = Date.now() + 8000;
      while (Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 500));
      const after = livePromises();
      expect(after - before, `live Promises ${before} → ${after}`).toBeLessThan(200);
    } finally {
      stop.abort();
      await Promise.all(running);
    }
  });
});
