import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../../queue/define-job.ts';
import { PayloadError, PermanentError, RetryAfterError } from '../../../queue/errors.ts';
import { baseJobOptions } from '../../../queue/job-options.ts';
import { createRuntime, type Runtime } from '../../../workers/runtime.ts';
import { eventually } from '../../helpers/eventually.ts';
import { jobInState } from '../../helpers/jobs.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';

const payload = z.object({ value: z.number().int() });

describe('job runtime on a real Redis', () => {
  const prefix = uniquePrefix('runtime');
  const runtimes: Runtime[] = [];
  const start = async (...args: Parameters<typeof testRuntime>) => {
    const runtime = testRuntime(...args);
    runtimes.push(runtime);
    await runtime.start();
    return runtime;
  };

  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop('test done')));
    await deleteKeysWithPrefix(prefix);
  });

  it('rejects an invalid payload when it is added, and adds nothing', async () => {
    let runs = 0;
    const job = defineJob({ name: 'echo', role: 'build', payload, run: async () => void runs++ });
    const runtime = await start({ prefix, jobs: [job] });
    await expect(runtime.producer.enqueue(job, { value: 'seven' } as never)).rejects.toThrow(PayloadError);
    await expect(runtime.producer.enqueue(job, { value: 'seven' } as never)).rejects.toThrow(
      /invalid payload for job "echo": .*value/s,
    );
    expect(await runtime.producer.queue('echo').getJobCountByTypes('wait', 'delayed', 'active')).toBe(0);
    expect(runs).toBe(0);
  });

  it('fails a job whose stored payload is invalid at once, without retries', async () => {
    let runs = 0;
    const job = defineJob({
      name: 'echo',
      role: 'build',
      payload,
      attempts: 5,
      run: async () => void runs++,
    });
    const runtime = await start({ prefix, jobs: [job] });
    // A payload written by an older or foreign producer, bypassing validation.
    const added = await runtime.producer.queue('echo').add('echo', { value: 'x' }, baseJobOptions(job));
    const failed = await jobInState(runtime.producer.queue('echo'), added.id!, 'failed');
    expect(failed!.attemptsMade).toBe(1);
    expect(failed!.failedReason).toMatch(/invalid payload for job "echo"/);
    expect(runs).toBe(0);
  });

  it('fires a scheduled job repeatedly and installs its scheduler idempotently', async () => {
    const fired: number[] = [];
    const tick = defineJob({
      name: 'tick',
      role: 'drift',
      payload,
      schedule: { every: 250 },
      schedulePayload: { value: 1 },
      run: async (p) => void fired.push(p.value),
    });
    const first = await start({ prefix, jobs: [tick] });
    await start({ prefix, jobs: [tick], roles: ['leader'] }); // a second leader start-up changes nothing
    await eventually(() => fired.length >= 3, { timeoutMs: 10_000, description: 'three scheduled runs' });
    expect(fired.every((value) => value === 1)).toBe(true);
    const schedulers = await first.producer.queue('tick').getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: 'tick', every: 250 });
  });

  it('removes the scheduler of a job whose schedule is switched off', async () => {
    const tick = defineJob({
      name: 'tick',
      role: 'drift',
      payload,
      schedule: { every: 60_000 },
      schedulePayload: { value: 1 },
      run: async () => undefined,
    });
    const runtime = await start({ prefix, jobs: [tick], roles: ['leader'] });
    expect(await runtime.producer.queue('tick').getJobSchedulers()).toHaveLength(1);
    const again = await start({
      prefix,
      jobs: [tick],
      roles: ['leader'],
      jobOverrides: { tick: { schedule: null } },
    });
    expect(await again.producer.queue('tick').getJobSchedulers()).toHaveLength(0);
  });

  it('retries a failing job with capped exponential backoff', async () => {
    const attempts: { attempt: number; at: number }[] = [];
    const flaky = defineJob({
      name: 'flaky',
      role: 'push',
      payload,
      attempts: 5,
      backoff: { baseMs: 200, capMs: 300, jitter: 0 },
      run: async (_p, ctx) => {
        attempts.push({ attempt: ctx.attempt, at: Date.now() });
        if (ctx.attempt < 4) throw new Error(`transient failure ${ctx.attempt}`);
        return 'ok';
      },
    });
    const runtime = await start({ prefix, jobs: [flaky] });
    const id = await runtime.producer.enqueue(flaky, { value: 1 });
    const done = await jobInState(runtime.producer.queue('flaky'), id!, 'completed');
    expect(done!.returnvalue).toBe('ok');
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    // 200, 400 capped to 300, 800 capped to 300 (a few ms of scheduling slack below).
    expect(gaps[0]).toBeGreaterThanOrEqual(195);
    expect(gaps[1]).toBeGreaterThanOrEqual(295);
    expect(gaps[2]).toBeGreaterThanOrEqual(295);
    expect(Math.max(...gaps)).toBeLessThan(2000);
  });

  it('honours RetryAfterError and never retries PermanentError', async () => {
    const seen: { job: string; attempt: number; at: number }[] = [];
    const busy = defineJob({
      name: 'busy',
      role: 'push',
      payload,
      attempts: 3,
      backoff: { baseMs: 10, capMs: 10, jitter: 0 },
      run: async (_p, ctx) => {
        seen.push({ job: 'busy', attempt: ctx.attempt, at: Date.now() });
        if (ctx.attempt === 1) throw new RetryAfterError('proxy busy', 700);
      },
    });
    const rejected = defineJob({
      name: 'rejected',
      role: 'push',
      payload,
      attempts: 5,
      run: async (_p, ctx) => {
        seen.push({ job: 'rejected', attempt: ctx.attempt, at: Date.now() });
        throw new PermanentError('config rejected');
      },
    });
    const runtime = await start({ prefix, jobs: [busy, rejected] });
    const busyId = await runtime.producer.enqueue(busy, { value: 1 });
    const rejectedId = await runtime.producer.enqueue(rejected, { value: 1 });
    await jobInState(runtime.producer.queue('busy'), busyId!, 'completed');
    const failed = await jobInState(runtime.producer.queue('rejected'), rejectedId!, 'failed');
    const busyRuns = seen.filter((s) => s.job === 'busy');
    expect(busyRuns.map((s) => s.attempt)).toEqual([1, 2]);
    expect(busyRuns[1]!.at - busyRuns[0]!.at).toBeGreaterThanOrEqual(695);
    expect(seen.filter((s) => s.job === 'rejected')).toHaveLength(1);
    expect(failed!.failedReason).toBe('config rejected');
    expect(failed!.attemptsMade).toBe(1);
  });

  it('is ready only once the leader duties are, when they run under an election', async () => {
    let listed = false;
    const informers = {
      name: 'informers',
      run: (signal: AbortSignal) =>
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
      ready: () => listed,
    };
    const runtime = createRuntime({
      redisUrl: redisUrl(),
      queuePrefix: prefix,
      roles: ['leader'],
      shutdownTimeoutMs: 1000,
      jobs: [],
      deps: () => undefined,
      logger: pino({ level: 'silent' }),
      runnables: () => [{ role: 'leader', runnable: informers }],
      // An election this process wins at once.
      leaderElection: (lead) => ({ name: 'election', run: lead }),
    });
    runtimes.push(runtime);
    await runtime.start();
    await eventually(async () => (await runtime.readiness()).checks.election !== undefined);
    expect((await runtime.readiness()).ready).toBe(false);
    listed = true;
    expect((await runtime.readiness()).ready).toBe(true);
  });

  it('lets an in-flight job finish when stopped', async () => {
    let started = false;
    const slow = defineJob({
      name: 'slow',
      role: 'build',
      payload,
      run: async (p) => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 600)); // the job's own work
        return p.value * 2;
      },
    });
    const runtime = testRuntime({ prefix, jobs: [slow], shutdownTimeoutMs: 10_000 });
    await runtime.start();
    const id = await runtime.producer.enqueue(slow, { value: 21 });
    await eventually(() => started);
    const inspector = testRuntime({ prefix, jobs: [], roles: [] });
    runtimes.push(inspector);
    await inspector.start();
    await runtime.stop('SIGTERM');
    const job = await inspector.producer.queue('slow').getJob(id!);
    expect(await job!.getState()).toBe('completed');
    expect(job!.returnvalue).toBe(42);
  });

  it('hands a job that outlives the shutdown deadline back to the queue, without spending an attempt', async () => {
    let firstStarted = false;
    const stubborn = defineJob({
      name: 'stubborn',
      role: 'build',
      payload,
      attempts: 1,
      timeoutMs: 60_000,
      run: async (_p, ctx) => {
        firstStarted = true;
        await new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
        );
      },
    });
    const first = testRuntime({ prefix, jobs: [stubborn], shutdownTimeoutMs: 300 });
    await first.start();
    const id = await first.producer.enqueue(stubborn, { value: 1 });
    await eventually(() => firstStarted);
    const stoppedAt = Date.now();
    await first.stop('SIGTERM');
    expect(Date.now() - stoppedAt).toBeLessThan(3000);

    const finisher = defineJob({ ...stubborn, run: async (p) => `finished ${p.value}` });
    const second = await start({ prefix, jobs: [finisher] });
    const job = await jobInState(second.producer.queue('stubborn'), id!, 'completed');
    expect(job!.returnvalue).toBe('finished 1');
    expect(job!.attemptsMade).toBe(1); // the handed-back run did not count: attempts: 1 still succeeded
  });
});
