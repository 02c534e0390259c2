import { CoordinationV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../../k8s/leader-election.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig } from '../../helpers/kube.ts';

describe('leader election with a Lease on the real API server', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await freshNamespace('lease');
  });

  const api = () => kubeConfig().makeApiClient(CoordinationV1Api);
  const holder = async (name: string) =>
    (await api().readNamespacedLease({ name, namespace })).spec?.holderIdentity;

  function candidate(identity: string, leaseName: string) {
    const leading = { now: false, terms: 0 };
    const elector = new LeaderElector({
      kubeConfig: kubeConfig(),
      namespace,
      leaseName,
      identity,
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 200,
      logger: pino({ level: 'silent' }),
      lead: async (signal) => {
        leading.now = true;
        leading.terms++;
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        leading.now = false;
      },
    });
    const stop = new AbortController();
    const done = elector.run(stop.signal);
    return {
      elector,
      leading,
      stop: () => {
        stop.abort();
        return done;
      },
    };
  }

  it('lets exactly one candidate lead, and hands over when the leader stops', async () => {
    const a = candidate('a', 'handover');
    const b = candidate('b', 'handover');
    try {
      await eventually(() => a.leading.now || b.leading.now);
      expect([a.leading.now, b.leading.now].filter(Boolean)).toHaveLength(1);
      const [leader, follower] = a.leading.now ? [a, b] : [b, a];
      expect(await holder('handover')).toBe(a.leading.now ? 'a' : 'b');
      const releasedAt = Date.now();
      await leader.stop();
      expect(leader.leading.now).toBe(false);
      await eventually(() => follower.leading.now, { timeoutMs: 5000 });
      // A released lease is taken at the next retry, not after the lease duration.
      expect(Date.now() - releasedAt).toBeLessThan(2500);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('takes over a lease whose holder stopped renewing', async () => {
    const stale = new Date(Date.now() - 60_000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    await api().createNamespacedLease({
      namespace,
      body: {
        metadata: { name: 'crashed', namespace },
        spec: {
          holderIdentity: 'crashed-pod',
          leaseDurationSeconds: 3,
          renewTime: stale as never,
          leaseTransitions: 4,
        },
      },
    });
    const c = candidate('c', 'crashed');
    try {
      await eventually(() => c.leading.now, { timeoutMs: 5000 });
      const lease = await api().readNamespacedLease({ name: 'crashed', namespace });
      expect(lease.spec).toMatchObject({ holderIdentity: 'c', leaseTransitions: 5 });
    } finally {
      await c.stop();
    }
  });

  it('does not take a lease another holder keeps renewing', async () => {
    const d = candidate('d', 'contended');
    try {
      await eventually(() => d.leading.now);
      const e = candidate('e', 'contended');
      try {
        // Watch d renew three times (e tries at every one of its rounds meanwhile): e must never lead.
        const renewals = new Set<string>();
        await eventually(async () => {
          const lease = await api().readNamespacedLease({ name: 'contended', namespace });
          renewals.add(String(lease.spec?.renewTime));
          return renewals.size >= 4;
        });
        expect(e.leading.terms).toBe(0);
        expect(d.leading.now).toBe(true);
      } finally {
        await e.stop();
      }
    } finally {
      await d.stop();
    }
  });
});
