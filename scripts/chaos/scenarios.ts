/**
 * The chaos scenarios: each applies a burst of changes, injects one fault in the middle of it, ends the
 * fault, then measures how long the fleet took to serve every change, how many changes never arrived,
 * how many data-plane requests failed on proxies the fault did not touch, and which jobs were left stuck.
 */
import { jobs } from '../../jobs/index.ts';
import { stuckJobs } from '../../testing/stuck-jobs.ts';
import { restartApiserver } from '../control-plane.d/control-plane.ts';
import { ChangeBurst, waitForFleet } from './changes.ts';
import { type ChaosRedis, sentinelRedis, singleRedis } from './redis.ts';
import { type ChaosCluster, openStage, type Stage } from './stage.ts';
import { startTraffic } from './traffic.ts';

/** Ends the fault a scenario injected. */
type EndFault = () => Promise<void>;

export interface Scenario {
  readonly name: string;
  readonly what: string;
  /** @defaultValue 'single' (a redis-server with AOF) */
  readonly redis?: 'single' | 'sentinel' | 'late';
  /** Controller replicas; more than one elect a leader. @defaultValue 1 */
  readonly replicas?: number;
  /** The scenario restarts the apiserver: only where the suite owns the control plane. */
  readonly needsControlPlane?: boolean;
  /** How many proxies the fault touches (the first ones); traffic goes to the others. @defaultValue 0 */
  readonly faultedProxies?: number;
  /**
   * The fault is over once injected (a failover, errors for the next few requests): recovery is timed
   * from the last change instead of after a hold.
   */
  readonly instant?: boolean;
  /** Injects the fault (after round 1 of the burst, which goes on); resolves to what ends it. */
  inject(stage: Stage): Promise<EndFault>;
}

export interface ScenarioResult {
  readonly scenario: string;
  /**
   * From the end of the fault (or the last change, if later) until every proxy served every change; null
   * if it never did.
   */
  readonly recoveryS: number | null;
  readonly changes: number;
  readonly lost: number;
  readonly requests: number;
  readonly failed: number;
  readonly stuck: number;
  /** Controllers that exited by themselves. */
  readonly crashes: number;
  readonly notes?: readonly string[];
  readonly error?: string;
}

const ROUNDS = 5;
/** How long a fault that is ended by hand lasts once the burst is through. */
const FAULT_HOLD_MS = 3000;
const RECOVERY_TIMEOUT_MS = 120_000;
/** A job waiting or active this long after recovery is stuck. */
const STUCK_AFTER_MS = 30_000;

const hold = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The leader among the stage's controllers, as their logs say (the last one to become leader). */
async function leader(stage: Stage) {
  for (const controller of stage.controllers)
    if ((await controller.log()).includes('"msg":"became leader"')) return controller;
  throw new Error('no controller says it became leader');
}

async function killController(stage: Stage, which = stage.controllers[0]): Promise<void> {
  if (!which) throw new Error('no controller running');
  const exited = new Promise((resolve) => which.process.once('exit', resolve));
  which.process.kill('SIGKILL');
  await exited;
}

const proxy = (stage: Stage) => {
  const first = stage.proxies()[0];
  if (!first) throw new Error('no proxy running');
  return first;
};

export const scenarios: readonly Scenario[] = [
  {
    name: 'controller-sigkill',
    what: 'the controller is SIGKILLed mid-burst and started again',
    async inject(stage) {
      await killController(stage);
      return async () => {
        await stage.startController();
      };
    },
  },
  {
    name: 'apiserver-restart',
    what: 'kube-apiserver stops for 5 s and starts on the same etcd (watches get 410 Gone)',
    needsControlPlane: true,
    async inject(stage) {
      const { cluster } = stage;
      if (!cluster.controlPlane) throw new Error('no control plane state to restart the apiserver with');
      const restarted = restartApiserver(cluster.controlPlane, () => hold(5000));
      return async () => {
        cluster.controlPlane = await restarted;
      };
    },
  },
  {
    name: 'proxy-down',
    what: 'one proxy closes its listeners, then comes back',
    faultedProxies: 1,
    async inject(stage) {
      const target = proxy(stage);
      await target.faults.down();
      return () => target.faults.up();
    },
  },
  {
    name: 'proxy-slow',
    what: "one proxy's Admin API answers after 8 s",
    faultedProxies: 1,
    async inject(stage) {
      const target = proxy(stage);
      await target.impair({ latencyMs: 8000 });
      return () => target.impair({ latencyMs: 0 });
    },
  },
  {
    name: 'proxy-5xx',
    instant: true,
    what: 'one proxy answers its next 5 Admin API requests with 503',
    faultedProxies: 1,
    async inject(stage) {
      await proxy(stage).impair({ failNext: { count: 5, status: 503 } });
      return async () => {};
    },
  },
  {
    name: 'proxy-429',
    instant: true,
    what: 'one proxy answers its next 5 Admin API requests with 429',
    faultedProxies: 1,
    async inject(stage) {
      await proxy(stage).impair({ failNext: { count: 5, status: 429 } });
      return async () => {};
    },
  },
  {
    name: 'proxy-drop',
    instant: true,
    what: 'one proxy drops the connections of its next 5 Admin API requests',
    faultedProxies: 1,
    async inject(stage) {
      await proxy(stage).impair({ dropNext: 5 });
      return async () => {};
    },
  },
  {
    name: 'proxy-restart',
    instant: true,
    what: 'one proxy restarts empty (config lost, zero hash)',
    faultedProxies: 1,
    async inject(stage) {
      await proxy(stage).faults.restart();
      return async () => {};
    },
  },
  {
    name: 'leader-killed',
    what: 'two replicas; the leader is SIGKILLed and a replacement starts',
    replicas: 2,
    async inject(stage) {
      const killed = await leader(stage);
      await killController(stage, killed);
      stage.notes.push(`leader ${killed.name} killed`);
      return async () => {
        await stage.startController({ leaderElection: true });
      };
    },
  },
  {
    name: 'redis-killed',
    what: 'Redis is SIGKILLed mid-burst and restarted on its append-only file',
    async inject(stage) {
      await stage.redis.kill();
      return () => stage.redis.start();
    },
  },
  {
    name: 'redis-wiped',
    instant: true,
    what: 'FLUSHALL mid-burst (Redis restarted empty)',
    async inject(stage) {
      await (await stage.redis.client()).flushall();
      return async () => {};
    },
  },
  {
    name: 'redis-start-late',
    what: 'Redis is down when the controller starts and comes up mid-burst',
    redis: 'late',
    async inject() {
      return async () => {};
    },
  },
  {
    name: 'sentinel-failover',
    instant: true,
    what: 'primary + replica + 3 Sentinels; the primary is SIGKILLed mid-burst, a replica is promoted',
    redis: 'sentinel',
    async inject(stage) {
      if (!stage.redis.failover) throw new Error('not a Sentinel group');
      const { killedPort, newPrimaryPort, failoverMs } = await stage.redis.failover();
      stage.notes.push(`primary :${killedPort} killed, :${newPrimaryPort} promoted in ${failoverMs} ms`);
      return async () => {};
    },
  },
];

/** Runs one scenario on a fresh stage; never throws (a failure is a row with `error`). */
export async function runScenario(
  cluster: ChaosCluster,
  scenario: Scenario,
  options: { keepLogsIn?: string; log?: (line: string) => void } = {},
): Promise<ScenarioResult> {
  const log = options.log ?? (() => {});
  const kind = scenario.redis ?? 'single';
  const redis: ChaosRedis = kind === 'sentinel' ? await sentinelRedis() : await singleRedis(kind !== 'late');
  let stage: Stage | undefined;
  let failedRun = true;
  try {
    stage = await openStage(cluster, scenario.name, redis);
    const s = stage;
    const burst = new ChangeBurst(s);
    await burst.applyProbe();
    await burst.applyRound();
    const replicas = scenario.replicas ?? 1;
    for (let i = 0; i < replicas; i++) await s.startController({ leaderElection: replicas > 1 });
    if (kind !== 'late') {
      const baseline = await waitForFleet(s, burst, 90_000);
      if (!baseline.ok) throw new Error('the fleet did not converge before the fault');
      log(`  ${scenario.name}: baseline converged`);
    }
    const faulted = new Set(
      s
        .proxies()
        .slice(0, scenario.faultedProxies ?? 0)
        .map((p) => p.id),
    );
    const traffic = startTraffic(() => s.proxies().filter((p) => !faulted.has(p.id)));
    // The fault lands while the burst goes on: later rounds are written during it.
    let injected: Promise<EndFault> | undefined;
    await burst.burst(ROUNDS, async (round) => {
      if (round !== 1) return;
      log(`  ${scenario.name}: injecting the fault`);
      injected = scenario.inject(s);
      injected.catch(() => {});
    });
    const end = injected ? await injected : async () => {};
    if (kind === 'late') {
      await hold(10_000);
      await s.redis.start();
    } else if (!scenario.instant) {
      await hold(FAULT_HOLD_MS);
    }
    await end();
    const faultEnded = performance.now();
    log(`  ${scenario.name}: fault ended, waiting for the fleet`);
    const recovered = await waitForFleet(s, burst, RECOVERY_TIMEOUT_MS);
    const recoveryS = recovered.ok ? Math.round((performance.now() - faultEnded) / 100) / 10 : null;
    const lost = recovered.ok ? 0 : Math.max(0, ...recovered.check.missing.values());
    const { sent, failed } = await traffic.stop();
    const stuck = await stuckJobs(
      await s.redis.client(),
      s.prefix,
      jobs.map((job) => job.name),
      STUCK_AFTER_MS,
    );
    failedRun = !recovered.ok || stuck.length > 0 || s.crashes() > 0;
    return {
      scenario: scenario.name,
      recoveryS,
      changes: burst.applied,
      lost,
      requests: sent,
      failed,
      stuck: stuck.length,
      crashes: s.crashes(),
      notes: s.notes,
      ...(recovered.ok
        ? {}
        : {
            error: `not converged: behind ${recovered.check.behind.join(',') || '-'}; missing ${[...recovered.check.missing].map(([id, n]) => `${id}=${n}`).join(',')}`,
          }),
    };
  } catch (err) {
    return {
      scenario: scenario.name,
      recoveryS: null,
      changes: 0,
      lost: 0,
      requests: 0,
      failed: 0,
      stuck: 0,
      crashes: 0,
      error: (err as Error).message,
    };
  } finally {
    if (stage) await stage.close(failedRun ? options.keepLogsIn : undefined).catch(() => {});
    else await redis.stop().catch(() => {});
  }
}
