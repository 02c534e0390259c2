import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutStore } from '../../queue/store/rollout-store.ts';
import type { BackendPods } from '../../testing/pods/backend-pods.ts';
import type { ProxyPod } from '../../testing/pods/proxy-pods.ts';
import { writeSecretFile } from '../helpers/bull-board.ts';
import { runCli } from '../helpers/cli.ts';
import { podNetwork } from '../helpers/cluster.ts';
import { dataPlaneStatus, echoBackend, hostIngress, startEchoBackends } from '../helpers/echo-backends.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubeconfigPath, kubectl, kubectlApply } from '../helpers/kube.ts';
import { desiredHash, waitForConvergence } from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';
import { redisUrl } from '../helpers/redis.ts';

const HOST = 'shop.example';
/** A pause long enough for several traffic scrapes (1 s) on a busy machine, short enough for a test. */
const ROLLOUT = `{ strategy: Canary, steps: [{ proxies: 1 }, { percent: 100 }], pause: 5s, promote: auto, maxErrorPercent: 20, minRequests: 5, stepTimeout: 90s }`;

const fleetManifest = (namespace: string) => `
apiVersion: kongfleet.io/v1alpha1
kind: ProxyFleet
metadata: { name: default, namespace: ${namespace} }
spec:
  repairMode: enforce
  rollout: ${ROLLOUT}
`;

/** A plugin that answers every request of the route it is attached to with 503: a build that breaks the route. */
const failingPlugin = (namespace: string) => `
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: fail-503, namespace: ${namespace} }
plugin: request-termination
config: { status_code: 503, message: broken on purpose }
`;

/**
 * Requests through every proxy's data plane, all the time, so each proxy's own /metrics has a real error
 * rate. Bounded: it stops when stopped, after 20 minutes, or after 200,000 requests.
 */
function startTraffic(proxies: () => readonly ProxyPod[]) {
  const byProxy = new Map<string, { ok: number; errors: number }>();
  let running = true;
  let sent = 0;
  const until = Date.now() + 20 * 60_000;
  const loop = (async () => {
    while (running && Date.now() < until && sent < 200_000) {
      await Promise.all(
        proxies().map(async (proxy) => {
          sent++;
          const status = await dataPlaneStatus(`${proxy.proxyUrl}/item/${sent}`, HOST).catch(() => 0);
          const entry = byProxy.get(proxy.id) ?? { ok: 0, errors: 0 };
          if (status >= 500 || status === 0) entry.errors++;
          else entry.ok++;
          byProxy.set(proxy.id, entry);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    /** Counts from now on. */
    reset: () => byProxy.clear(),
    counts: (id: string) => byProxy.get(id) ?? { ok: 0, errors: 0 },
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe.skipIf(!podNetwork())('staged rollout and rollback by hash on the cluster harness', () => {
  const h = pipelineHarness('rollout', 3);
  let backends: BackendPods;
  let secrets: string;
  let redis: Redis;
  let rollouts: RolloutStore;
  let traffic: ReturnType<typeof startTraffic>;
  let first: string;
  let bad: string;
  let good: string;
  let controllerEnv: Record<string, string>;

  const hashes = async () =>
    Object.fromEntries(
      await Promise.all(
        h.pods.running().map(async (proxy) => [proxy.id, (await proxy.state()).configurationHash] as const),
      ),
    ) as Record<string, string>;
  const cli = (args: string[]) =>
    runCli(args, {
      KONG_FLEET_REDIS_URL: redisUrl(),
      KONG_FLEET_QUEUE_PREFIX: h.prefix,
      KONG_FLEET_KUBECONFIG: kubeconfigPath(),
    });
  const fleetColumns = async () =>
    kubectl(['get', 'proxyfleet', 'default', '-n', h.namespace, '--no-headers', '-o', 'wide']);
  const fleetEvents = async () => {
    const out = await kubectl([
      'get',
      'events',
      '-n',
      h.namespace,
      '--field-selector',
      'involvedObject.kind=ProxyFleet',
      '-o',
      'json',
    ]);
    return (JSON.parse(out) as { items: { reason: string; message: string }[] }).items;
  };
  /** Applies a change and resolves with the new build's hash. */
  async function newBuild(manifest: string, previous: string): Promise<string> {
    await kubectlApply(manifest);
    return eventually(
      async () => {
        const hash = await desiredHash(h.prefix);
        return hash && hash !== previous ? hash : undefined;
      },
      { timeoutMs: 60_000, description: 'a new build' },
    );
  }

  beforeAll(async () => {
    await kubectlApply(fleetManifest(h.namespace));
    backends = await startEchoBackends(
      h.namespace,
      [echoBackend(h.namespace, 'echo', 1), hostIngress(h.namespace, 'shop', HOST)].join('---'),
      1,
    );
    secrets = await mkdtemp(join(tmpdir(), 'kf-rollout-'));
    controllerEnv = {
      KONG_FLEET_TRAFFIC_SCRAPE_INTERVAL: '1s',
      KONG_FLEET_DRIFT_INTERVAL: '2s',
      KONG_FLEET_BOARD_TOKEN_FILE: await writeSecretFile(secrets, 'token', 'rollout-viewer'),
    };
    await h.startController(controllerEnv);
    redis = new Redis(redisUrl());
    rollouts = new RolloutStore({ redis, prefix: h.prefix });
    first = await waitForConvergence(h.prefix, h.pods.running(), { timeoutMs: 90_000 });
    for (const proxy of h.pods.running())
      await eventually(async () => (await dataPlaneStatus(`${proxy.proxyUrl}/`, HOST)) === 200, {
        timeoutMs: 60_000,
        description: `${proxy.id} serves ${HOST}`,
      });
    traffic = startTraffic(() => h.pods.running());
  });

  afterAll(async () => {
    await traffic?.stop();
    redis?.disconnect();
    await backends?.stop();
    if (secrets) await rm(secrets, { recursive: true, force: true });
  });

  it('halts a build whose canary answers 5xx at step 1, the rest of the fleet on the old hash', async () => {
    const proxies = h.pods.running();
    expect(proxies).toHaveLength(3);
    traffic.reset();
    bad = await newBuild(
      [
        failingPlugin(h.namespace),
        hostIngress(h.namespace, 'shop', HOST, { annotations: 'konghq.com/plugins: fail-503' }),
      ].join('---'),
      first,
    );
    const halted = await eventually(
      async () => {
        const { rollout } = await rollouts.read();
        return rollout?.hash === bad && rollout.phase === 'Halted' ? rollout : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, description: 'the rollout of the bad build to halt' },
    );
    expect(halted.step).toBe(0);
    expect(halted.cohort).toHaveLength(1);
    expect(halted.message).toMatch(/answered 5xx/);
    const canary = halted.cohort[0]!;
    const running = await hashes();
    expect(running[canary]).toBe(bad);
    const others = proxies.filter((proxy) => proxy.id !== canary);
    for (const proxy of others) expect(running[proxy.id]).toBe(first);
    // The canary's own traffic failed; the others' never did.
    expect(traffic.counts(canary).errors).toBeGreaterThan(0);
    for (const proxy of others) {
      expect(traffic.counts(proxy.id).errors).toBe(0);
      expect(traffic.counts(proxy.id).ok).toBeGreaterThan(0);
    }
    // It stays halted: after a few more ticks and drift checks nobody else has the bad build.
    const stillBefore = Date.now();
    await eventually(async () => Date.now() - stillBefore > 8000, { timeoutMs: 20_000, description: '8 s' });
    const later = await hashes();
    for (const proxy of others) expect(later[proxy.id]).toBe(first);
    expect((await rollouts.read()).rollout?.phase).toBe('Halted');

    // kubectl shows it; the ProxyFleet has the Event.
    await eventually(async () => (await fleetColumns()).includes('Halted'), {
      timeoutMs: 30_000,
      description: 'kubectl get proxyfleet to show the halted rollout',
    });
    await eventually(async () => (await fleetEvents()).some((event) => event.reason === 'RolloutHalted'), {
      timeoutMs: 30_000,
      description: 'a RolloutHalted Event on the ProxyFleet',
    });
    const status = await cli(['rollout', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Halted');

    // Abort: the canary returns to the previous hash.
    const aborted = await cli(['rollout', 'abort']);
    expect(aborted.code, aborted.stderr).toBe(0);
    await eventually(async () => Object.values(await hashes()).every((hash) => hash === first), {
      timeoutMs: 60_000,
      description: 'every proxy back on the first build',
    });
    await eventually(async () => (await fleetEvents()).some((event) => event.reason === 'RolloutAborted'), {
      timeoutMs: 30_000,
      description: 'a RolloutAborted Event',
    });
  });

  it('promotes a good build to 100 %, one canary first, across a controller restart', async () => {
    traffic.reset();
    // Without the plugin and with a second route: a build of its own (not the first one's hash again).
    good = await newBuild(
      [hostIngress(h.namespace, 'shop', HOST), hostIngress(h.namespace, 'shop-b', 'b.shop.example')].join(
        '---',
      ),
      bad,
    );
    // Step 1 under way: one canary on the good build. Then the controller restarts mid-rollout.
    const canaryStep = await eventually(
      async () => {
        const [{ rollout }, running] = await Promise.all([rollouts.read(), hashes()]);
        const onGood = Object.values(running).filter((hash) => hash === good).length;
        return rollout?.hash === good && rollout.step === 0 && onGood === 1 ? rollout : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, description: 'one canary on the good build' },
    );
    expect(canaryStep.cohort).toHaveLength(1);
    await h.controller?.stop();
    await h.startController(controllerEnv);
    const resumed = await rollouts.read();
    expect(resumed.rollout?.hash).toBe(good);
    expect(resumed.rollout?.cohort.slice(0, 1)).toEqual(canaryStep.cohort);
    // The new controller carries on from Redis: the same canary, then everyone.
    await eventually(
      async () => {
        const [{ rollout }, running] = await Promise.all([rollouts.read(), hashes()]);
        const onGood = Object.values(running).filter((hash) => hash === good).length;
        expect(rollout?.phase).not.toBe('Halted');
        return rollout?.hash === good && rollout.phase === 'Complete' && onGood === 3;
      },
      { timeoutMs: 150_000, intervalMs: 250, description: 'the good build on every proxy' },
    );
    for (const proxy of h.pods.running()) expect(traffic.counts(proxy.id).errors).toBe(0);
    await eventually(
      async () => {
        const reasons = (await fleetEvents()).map((event) => event.reason);
        return reasons.includes('RolloutStepPromoted') && reasons.includes('RolloutCompleted');
      },
      { timeoutMs: 30_000, description: 'RolloutStepPromoted and RolloutCompleted Events' },
    );
  });

  it('rollback pins every proxy to an earlier hash, takes no new build until unpinned', async () => {
    const pinned = await cli(['rollback', first.slice(0, 10)]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(pinned.stdout).toContain(`pinned to ${first}`);
    await eventually(async () => Object.values(await hashes()).every((hash) => hash === first), {
      timeoutMs: 60_000,
      description: 'every proxy on the pinned build',
    });
    await eventually(async () => (await fleetColumns()).includes(first), {
      timeoutMs: 30_000,
      description: 'kubectl get proxyfleet to show the pin',
    });

    // A new build is made, and not taken.
    const newer = await newBuild(hostIngress(h.namespace, 'shop-c', 'c.shop.example'), good);
    const since = Date.now();
    await eventually(async () => Date.now() - since > 8000, { timeoutMs: 20_000, description: '8 s' });
    expect(Object.values(await hashes()).every((hash) => hash === first)).toBe(true);
    const status = await cli(['status']);
    expect(status.stdout).toContain(`PINNED to ${first}`);
    // The proxies run what they should: /metrics counts them Synced, not behind the newest build.
    const synced = new RegExp(`^kong_fleet_proxies\\{state="Synced"\\} ${h.proxies().length}$`, 'm');
    await eventually(
      async () => synced.test(await (await fetch(`${h.controller!.baseUrl}/metrics`)).text()),
      {
        timeoutMs: 30_000,
        description: '/metrics to count every pinned proxy Synced',
      },
    );
    expect((await fleetEvents()).some((event) => event.reason === 'FleetPinned')).toBe(true);

    // Unpinned: the newest build rolls out from the pinned one.
    const unpinned = await cli(['rollback', '--unpin']);
    expect(unpinned.code, unpinned.stderr).toBe(0);
    await eventually(async () => Object.values(await hashes()).every((hash) => hash === newer), {
      timeoutMs: 150_000,
      intervalMs: 500,
      description: 'every proxy on the newest build after the unpin',
    });
    // The last step (100 %) still serves its pause before the rollout completes.
    const { pin, rollout } = await eventually(
      async () => {
        const target = await rollouts.read();
        return target.rollout?.phase === 'Complete' ? target : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'the rollout from the pin to complete' },
    );
    expect(pin).toBeUndefined();
    expect(rollout).toMatchObject({ hash: newer, stableHash: first });
    expect((await fleetEvents()).some((event) => event.reason === 'FleetUnpinned')).toBe(true);
  });
});
