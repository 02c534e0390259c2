import type { Logger } from 'pino';
import type { Runnable } from '../lib/runnable.ts';
import { sleep } from '../lib/sleep.ts';
import {
  connectRedis,
  createRedisConnection,
  type RedisAccess,
  type RedisConnection,
} from '../queue/connection.ts';
import {
  type AnyJobDefinition,
  assertUniqueJobNames,
  type JobOverride,
  type Role,
  withOverride,
} from '../queue/define-job.ts';
import { JobProducer } from '../queue/producer.ts';
import { installSchedules, reinstallMissingSchedules } from '../queue/schedules.ts';
import { createJobWorker, type JobWorker } from '../queue/worker.ts';
import { describeRedisTarget } from './redis-target.ts';

/** What the runtime hands to the dependency factory: the shared I/O every job may need. */
export interface RuntimeIo {
  readonly producer: JobProducer;
  /** The producer connection, for state reads and writes outside BullMQ. */
  readonly redis: RedisConnection;
  readonly logger: Logger;
}

export interface RuntimeOptions<D> {
  readonly redisUrl: string;
  /** Sentinels, ACL user, password and TLS beyond the URL (see workers/redis-target.ts). */
  readonly redisAccess?: RedisAccess;
  readonly queuePrefix: string;
  readonly roles: readonly Role[];
  /** How long in-flight jobs may finish after stop() before they are handed back. */
  readonly shutdownTimeoutMs: number;
  readonly jobs: readonly AnyJobDefinition<D>[];
  /** Builds the handlers' dependencies once Redis is reachable. */
  readonly deps: (io: RuntimeIo) => D | Promise<D>;
  readonly logger: Logger;
  /**
   * Long-lived parts, each started only when the process has its role. Those of the `leader` role
   * run only while this process leads (see leaderElection), together with the job schedulers.
   */
  readonly runnables?: (
    io: RuntimeIo,
    deps: D,
  ) => readonly { readonly role: Role; readonly runnable: Runnable }[];
  /**
   * Wraps the leader duties in an election: the returned runnable calls `lead` while this process
   * holds leadership. Without it, a process with the `leader` role always leads (one replica).
   */
  readonly leaderElection?: (lead: (signal: AbortSignal) => Promise<void>) => Runnable;
  /** Per job name, deployment-time changes (schedule, backoff, concurrency). */
  readonly jobOverrides?: Readonly<Record<string, JobOverride>>;
  /** Called once after stop() finished cleaning up. */
  readonly onStopped?: (error?: Error) => void;
  /** How often the leader checks that Redis still holds the job schedulers. @defaultValue 5000 */
  readonly scheduleCheckMs?: number;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly detail?: string }>>;
}

export interface Runtime {
  /** Resolves when workers and runnables are running. Waits for Redis as long as it takes, unless stopped. */
  start(): Promise<void>;
  /** Idempotent. In-flight jobs get `shutdownTimeoutMs` to finish; the rest are handed back. */
  stop(reason: string): Promise<void>;
  readiness(): Promise<ReadinessReport>;
  readonly producer: JobProducer;
  readonly redis: RedisConnection;
  readonly workers: ReadonlyMap<string, JobWorker>;
}

const REDIS_RETRY_LOG_EVERY_MS = 5000;
/** A crashed runnable is restarted after 1 s, doubling up to 30 s; a run of a minute resets it. */
const RESTART_BASE_MS = 1000;
const RESTART_CAP_MS = 30_000;
const HEALTHY_RUN_MS = 60_000;

export function createRuntime<D>(options: RuntimeOptions<D>): Runtime {
  const { logger, roles } = options;
  assertUniqueJobNames(options.jobs);
  const jobs = options.jobs.map((definition) =>
    withOverride(definition, options.jobOverrides?.[definition.name]),
  );

  const stopping = new AbortController();
  const shutdown = new AbortController();
  const target = { ...options.redisAccess, url: options.redisUrl };
  const redis = createRedisConnection(target, 'producer');
  const workerRedis = createRedisConnection(target, 'worker');
  redis.on('error', () => {}); // reported by readiness and by the failing calls
  workerRedis.on('error', () => {});
  const producer = new JobProducer({ connection: redis, prefix: options.queuePrefix });
  const workers = new Map<string, JobWorker>();
  const running: { runnable: Runnable; done: Promise<void> }[] = [];
  /** Restarts per runnable, shown by /readyz. */
  const restarts = new Map<string, number>();
  let started = false;
  let stopPromise: Promise<void> | undefined;

  async function waitForRedis(): Promise<void> {
    let lastLogged = 0;
    for (;;) {
      try {
        await connectRedis(redis, 5000);
        await connectRedis(workerRedis, 5000);
        return;
      } catch (err) {
        if (stopping.signal.aborted) throw new Error('stopped before Redis was reachable');
        if (Date.now() - lastLogged > REDIS_RETRY_LOG_EVERY_MS) {
          logger.warn({ err, redis: describeRedisTarget(target) }, 'waiting for Redis');
          lastLogged = Date.now();
        }
        await sleep(500, stopping.signal);
      }
    }
  }

  async function start(): Promise<void> {
    await waitForRedis();
    const io: RuntimeIo = { producer, redis, logger };
    const deps = await options.deps(io);
    for (const definition of jobs) {
      if (!roles.includes(definition.role)) continue;
      const worker = createJobWorker(definition, {
        connection: workerRedis,
        prefix: options.queuePrefix,
        deps,
        logger,
        shutdown: shutdown.signal,
      });
      workers.set(definition.name, worker);
      worker
        .run()
        .catch((err) => logger.error({ err, job: definition.name }, 'worker stopped with an error'));
    }
    const parts = (options.runnables?.(io, deps) ?? []).filter(({ role }) => roles.includes(role));
    const leaderParts = parts.filter(({ role }) => role === 'leader').map(({ runnable }) => runnable);
    for (const { runnable } of parts.filter(({ role }) => role !== 'leader')) launch(runnable);
    if (roles.includes('leader')) {
      const duties = leaderDuties(leaderParts);
      if (options.leaderElection) {
        // Ready like the duties it wraps: a leader is ready once its informers have listed, a
        // follower at once.
        const elector = options.leaderElection(duties.lead);
        launch({
          name: elector.name,
          run: (signal) => elector.run(signal),
          ready: duties.ready,
          notReadyReason: duties.notReadyReason,
        });
      } else {
        launch(duties);
      }
    }
    started = true;
    logger.info({ roles, jobs: [...workers.keys()] }, 'runtime started');
  }

  /**
   * The leader's work: install the job schedulers, then run the leader-only parts until the signal
   * aborts, reinstalling schedulers Redis lost (restarted empty) meanwhile.
   */
  function leaderDuties(parts: readonly Runnable[]): Runnable & { lead(signal: AbortSignal): Promise<void> } {
    let leading = false;
    let schedulesInstalled = false;
    const keepSchedules = async (signal: AbortSignal) => {
      let delay = RESTART_BASE_MS;
      while (!signal.aborted) {
        try {
          if (!schedulesInstalled) {
            for (const { job, schedule } of await installSchedules(jobs, producer)) {
              if (schedule) logger.info({ job, schedule }, 'job schedule installed');
            }
            schedulesInstalled = true;
          } else {
            const reinstalled = await reinstallMissingSchedules(jobs, producer);
            if (reinstalled.length > 0)
              logger.warn({ jobs: reinstalled }, 'job schedules were gone; reinstalled');
          }
          delay = RESTART_BASE_MS;
          await sleep(options.scheduleCheckMs ?? 5000, signal);
        } catch (err) {
          if (signal.aborted) break;
          logger.warn({ err }, 'could not install the job schedules; retrying');
          await sleep(delay, signal);
          delay = Math.min(delay * 2, RESTART_CAP_MS);
        }
      }
    };
    const lead = async (signal: AbortSignal) => {
      leading = true;
      schedulesInstalled = false;
      try {
        await Promise.all([keepSchedules(signal), ...parts.map((part) => supervise(part, signal))]);
      } finally {
        leading = false;
      }
    };
    const waiting = () => [
      ...(schedulesInstalled ? [] : ['job schedules not installed']),
      ...parts.flatMap((part) =>
        (part.ready?.() ?? true) ? [] : [`${part.name}: ${part.notReadyReason?.() ?? 'not ready'}`],
      ),
    ];
    return {
      name: 'leader',
      lead,
      run: lead,
      // A replica that does not lead is ready; the leader is ready once its work runs.
      ready: () => !leading || waiting().length === 0,
      notReadyReason: () => (leading ? waiting().join('; ') || undefined : undefined),
    };
  }

  /**
   * Runs `runnable` until `signal` aborts, restarting it with backoff when it fails or ends early:
   * one crashed part must neither stop the process nor stay dead. Never rejects.
   */
  async function supervise(runnable: Runnable, signal: AbortSignal): Promise<void> {
    let delay = RESTART_BASE_MS;
    while (!signal.aborted) {
      const startedAt = Date.now();
      try {
        await runnable.run(signal);
        if (signal.aborted) return;
        logger.error({ runnable: runnable.name }, 'a component stopped by itself; restarting');
      } catch (err) {
        if (signal.aborted) return;
        logger.error({ err, runnable: runnable.name, retryInMs: delay }, 'a component crashed; restarting');
      }
      restarts.set(runnable.name, (restarts.get(runnable.name) ?? 0) + 1);
      if (Date.now() - startedAt > HEALTHY_RUN_MS) delay = RESTART_BASE_MS;
      await sleep(delay, signal).catch(() => {});
      delay = Math.min(delay * 2, RESTART_CAP_MS);
    }
  }

  function launch(runnable: Runnable): void {
    running.push({ runnable, done: supervise(runnable, stopping.signal) });
  }

  function stop(reason: string): Promise<void> {
    stopPromise ??= (async () => {
      logger.info({ reason }, 'stopping');
      stopping.abort(new Error(`stopping: ${reason}`));
      await Promise.allSettled(running.map(({ done }) => done));

      const closing = Promise.allSettled([...workers.values()].map((worker) => worker.close()));
      const timedOut = await Promise.race([
        closing.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), options.shutdownTimeoutMs).unref()),
      ]);
      if (timedOut) {
        logger.warn(
          { timeoutMs: options.shutdownTimeoutMs },
          'jobs still running at the shutdown deadline; handing them back',
        );
        shutdown.abort(new Error('shutdown'));
        for (const worker of workers.values()) worker.cancelAllJobs('shutdown');
        const handedBack = await Promise.race([
          closing.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
        ]);
        if (!handedBack) await Promise.allSettled([...workers.values()].map((worker) => worker.close(true)));
      }
      await producer.close();
      await Promise.allSettled([quit(redis), quit(workerRedis)]);
      logger.info({ reason }, 'stopped');
    })();
    return stopPromise;
  }

  async function readiness(): Promise<ReadinessReport> {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    checks.redis = await pingRedis(redis);
    checks.started = {
      ok: started && !stopping.signal.aborted,
      detail: stopping.signal.aborted ? 'stopping' : undefined,
    };
    for (const [name, worker] of workers) checks[`worker:${name}`] = { ok: worker.isRunning() };
    for (const { runnable } of running) {
      if (!runnable.ready) continue;
      const ok = runnable.ready();
      const restarted = restarts.get(runnable.name);
      const detail = [
        ok ? undefined : (runnable.notReadyReason?.() ?? 'not ready'),
        restarted ? `restarted ${restarted}×` : undefined,
      ]
        .filter(Boolean)
        .join('; ');
      checks[runnable.name] = { ok, ...(detail ? { detail } : {}) };
    }
    return { ready: Object.values(checks).every((check) => check.ok), checks };
  }

  return { start, stop, readiness, producer, redis, workers };
}

async function pingRedis(redis: RedisConnection): Promise<{ ok: boolean; detail?: string }> {
  if (redis.status !== 'ready') return { ok: false, detail: `connection ${redis.status}` };
  try {
    const answer = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no answer within 1 s')), 1000).unref(),
      ),
    ]);
    return { ok: answer === 'PONG' };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

async function quit(redis: RedisConnection): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([
      redis.quit(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), 1000).unref()),
    ]);
  } catch {
    redis.disconnect();
  }
}
