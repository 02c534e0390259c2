import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertUniqueJobNames, defineJob } from '../../../queue/define-job.ts';

const payload = z.object({ proxy: z.string() });
const base = { role: 'push' as const, payload, run: async () => undefined };

describe('defineJob', () => {
  it('freezes a valid definition', () => {
    const job = defineJob({ ...base, name: 'push-config', attempts: 'unlimited', concurrency: 50 });
    expect(Object.isFrozen(job)).toBe(true);
    expect(job.name).toBe('push-config');
  });

  it.each([
    [{ name: 'Push Config' }, /must be kebab-case/],
    [{ name: 'push:config' }, /must be kebab-case/],
    [{ name: 'p', attempts: 0 }, /attempts must be a positive integer or 'unlimited'/],
    [{ name: 'p', attempts: 1.5 }, /attempts must be a positive integer/],
    [{ name: 'p', concurrency: 0 }, /concurrency must be a positive integer/],
    [{ name: 'p', timeoutMs: 0 }, /timeoutMs must be greater than 0/],
    [{ name: 'p', schedule: { every: 1000 } }, /a schedule needs a schedulePayload/],
    [
      { name: 'p', schedule: { every: 1000 }, schedulePayload: { proxy: 1 } },
      /schedulePayload does not match/,
    ],
  ])('rejects %j', (override, message) => {
    expect(() =>
      defineJob({ ...base, ...(override as object), name: (override as { name: string }).name }),
    ).toThrow(message);
  });

  it('refuses two jobs with one name', () => {
    const a = defineJob({ ...base, name: 'build' });
    const b = defineJob({ ...base, name: 'push' });
    expect(() => assertUniqueJobNames([a, b])).not.toThrow();
    expect(() => assertUniqueJobNames([a, b, a])).toThrow('job "build" is declared twice');
  });
});
