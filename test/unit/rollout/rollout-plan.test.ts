import { describe, expect, it } from 'vitest';
import type { RolloutSpec, RolloutState } from '../../../domain/rollout.ts';
import { advance, rolloutSpecOf } from '../../../jobs/rollout.ts';
import {
  type CanaryObservation,
  choosePin,
  cohortFor,
  healthVerdict,
  parseRolloutSpec,
  rolloutOrder,
  servedSince,
  stepSize,
} from '../../../jobs/rollout-plan.ts';
import { hashesInUse, targetHash } from '../../../jobs/target-hash.ts';

const spec: RolloutSpec = {
  strategy: 'Canary',
  steps: [{ proxies: 1 }, { percent: 25 }, { percent: 100 }],
  pauseMs: 30_000,
  promote: 'auto',
  maxErrorPercent: 5,
  minRequests: 20,
  stepTimeoutMs: 300_000,
};
const fleet = Array.from({ length: 10 }, (_, i) => `kong-${i}`);
const NEW = 'a'.repeat(32);
const OLD = 'b'.repeat(32);

describe('step arithmetic', () => {
  it('covers a count or a percentage of the fleet, rounded up, at least one and at most all', () => {
    expect(stepSize({ proxies: 1 }, 10)).toBe(1);
    expect(stepSize({ proxies: 30 }, 10)).toBe(10);
    expect(stepSize({ percent: 25 }, 10)).toBe(3);
    expect(stepSize({ percent: 1 }, 10)).toBe(1);
    expect(stepSize({ percent: 100 }, 7)).toBe(7);
    expect(stepSize({ percent: 50 }, 0)).toBe(0);
  });

  it('picks the same proxies for the same build whatever order the fleet is listed in', () => {
    const a = cohortFor(NEW, { percent: 25 }, fleet);
    const b = cohortFor(NEW, { percent: 25 }, [...fleet].reverse());
    expect(a).toEqual(b);
    expect(a).toHaveLength(3);
    expect(rolloutOrder(NEW, fleet)).toEqual(rolloutOrder(NEW, [...fleet].reverse()));
  });

  it('grows a cohort step by step and never drops a proxy already on the build', () => {
    const first = cohortFor(NEW, { proxies: 1 }, fleet);
    const second = cohortFor(NEW, { percent: 25 }, fleet, first);
    expect(second.slice(0, 1)).toEqual(first);
    expect(second).toHaveLength(3);
    expect(cohortFor(NEW, { percent: 100 }, fleet, second)).toHaveLength(10);
    // A proxy gone from the fleet leaves the cohort; a newcomer may take its place.
    const shrunk = fleet.filter((id) => id !== first[0]);
    expect(cohortFor(NEW, { proxies: 1 }, shrunk, first)).not.toContain(first[0]);
  });
});

describe('health verdicts', () => {
  const base = { hash: NEW, spec, now: 100_000, stepStartedAt: 0, settledAt: 50_000, metrics: true };
  const canary = (over: Partial<CanaryObservation> = {}): CanaryObservation => ({
    proxy: 'kong-1',
    actualHash: NEW,
    rejected: false,
    reachable: true,
    served: { requests: 100, errors: 1 },
    ...over,
  });

  it('passes a step whose proxies answered few enough 5xx', () => {
    expect(healthVerdict({ ...base, canaries: [canary()] })).toMatchObject({ verdict: 'healthy' });
  });

  it('halts on a 5xx rate above the limit, naming the figures', () => {
    const verdict = healthVerdict({ ...base, canaries: [canary({ served: { requests: 50, errors: 50 } })] });
    expect(verdict.verdict).toBe('unhealthy');
    expect(verdict.reason).toContain('50/50 requests answered 5xx (100.0 %)');
  });

  it('halts at once when a canary rejected the build', () => {
    expect(healthVerdict({ ...base, canaries: [canary({ rejected: true, actualHash: OLD })] })).toMatchObject(
      {
        verdict: 'unhealthy',
        reason: expect.stringContaining('rejected'),
      },
    );
  });

  it('waits for the build on every canary, then halts after the step timeout', () => {
    const behind = [canary({ actualHash: OLD })];
    expect(healthVerdict({ ...base, canaries: behind }).verdict).toBe('wait');
    expect(healthVerdict({ ...base, canaries: behind, now: 400_000 }).verdict).toBe('unhealthy');
  });

  it('waits out the pause, and for metrics read after it', () => {
    expect(healthVerdict({ ...base, now: 60_000, canaries: [canary()] }).verdict).toBe('wait');
    const { served: _served, ...unread } = canary();
    expect(healthVerdict({ ...base, canaries: [unread] }).verdict).toBe('wait');
  });

  it('does not judge the error rate on too little traffic, nor without metrics', () => {
    const quiet = [canary({ served: { requests: 3, errors: 3 } })];
    expect(healthVerdict({ ...base, canaries: quiet })).toMatchObject({
      verdict: 'healthy',
      reason: expect.stringContaining('not judged'),
    });
    expect(healthVerdict({ ...base, metrics: false, canaries: [canary()] }).verdict).toBe('healthy');
  });

  it('halts on an unreachable canary', () => {
    expect(healthVerdict({ ...base, canaries: [canary({ reachable: false })] }).verdict).toBe('unhealthy');
  });

  it('counts what was served since the baseline, from zero after a restart', () => {
    expect(servedSince({ requests: 10, errors: 1 }, { requests: 30, errors: 2 })).toEqual({
      requests: 20,
      errors: 1,
    });
    expect(
      servedSince({ requests: 10, errors: 1, nodeId: 'a' }, { requests: 30, errors: 2, nodeId: 'b' }),
    ).toEqual({
      requests: 30,
      errors: 2,
    });
    expect(servedSince({ requests: 10, errors: 1 }, { requests: 4, errors: 0 })).toEqual({
      requests: 4,
      errors: 0,
    });
  });
});

describe('which build a proxy gets', () => {
  const rollout = (over: Partial<RolloutState> = {}): RolloutState => ({
    hash: NEW,
    stableHash: OLD,
    spec,
    step: 0,
    cohort: ['kong-1'],
    phase: 'Progressing',
    startedAt: '2026-01-01T00:00:00Z',
    stepStartedAt: '2026-01-01T00:00:00Z',
    message: '',
    updatedAt: '2026-01-01T00:00:00Z',
    ...over,
  });

  it('is the newest build without a rollout or a pin', () => {
    expect(targetHash('kong-1', NEW, {})).toBe(NEW);
  });

  it('is the rollout build for the cohort and the stable one for the rest', () => {
    expect(targetHash('kong-1', NEW, { rollout: rollout() })).toBe(NEW);
    expect(targetHash('kong-2', NEW, { rollout: rollout() })).toBe(OLD);
    expect(targetHash('kong-2', NEW, { rollout: rollout({ phase: 'Halted' }) })).toBe(OLD);
  });

  it('is the stable build for everyone after an abort, the rollout build for everyone once complete', () => {
    expect(targetHash('kong-1', NEW, { rollout: rollout({ phase: 'Aborted' }) })).toBe(OLD);
    expect(targetHash('kong-2', NEW, { rollout: rollout({ phase: 'Complete' }) })).toBe(NEW);
    // A newer build waits for a rollout of its own.
    expect(targetHash('kong-2', 'c'.repeat(32), { rollout: rollout({ phase: 'Complete' }) })).toBe(NEW);
  });

  it('is the pinned build for everyone, whatever else is going on', () => {
    const pin = { hash: OLD, at: '2026-01-01T00:00:00Z', reason: 'test' };
    expect(targetHash('kong-1', NEW, { pin, rollout: rollout() })).toBe(OLD);
    expect(hashesInUse(NEW, { pin, rollout: rollout() }).sort()).toEqual([NEW, OLD].sort());
  });
});

describe('pin rules', () => {
  const kept = [NEW, OLD, 'c'.repeat(32)];

  it('pins a named kept build by a unique prefix', () => {
    expect(choosePin({ requested: 'bbbb', kept, current: NEW })).toEqual({ hash: OLD });
    expect(choosePin({ requested: 'dddd', kept, current: NEW })).toMatchObject({
      error: expect.stringContaining('no kept build'),
    });
    expect(choosePin({ requested: '', kept, current: NEW })).toMatchObject({
      error: expect.stringContaining('matches 3'),
    });
  });

  it('defaults to the build before the current one', () => {
    expect(choosePin({ kept, current: NEW })).toEqual({ hash: OLD });
    expect(choosePin({ kept, current: OLD })).toEqual({ hash: 'c'.repeat(32) });
    expect(choosePin({ kept: [NEW], current: NEW })).toMatchObject({ error: expect.any(String) });
    // After a rollout, the build it replaced, even when a halted build came in between.
    const halted = 'c'.repeat(32);
    const complete = {
      hash: NEW,
      stableHash: OLD,
      spec,
      step: 2,
      cohort: [],
      phase: 'Complete' as const,
      startedAt: '',
      stepStartedAt: '',
      message: '',
      updatedAt: '',
    };
    expect(choosePin({ kept: [NEW, halted, OLD], current: NEW, rollout: complete })).toEqual({ hash: OLD });
    // During a halted rollout, the stable build (the canaries return to it).
    const haltedRollout = { ...complete, hash: halted, stableHash: NEW, phase: 'Halted' as const };
    expect(choosePin({ kept: [halted, NEW, OLD], current: NEW, rollout: haltedRollout })).toEqual({
      hash: NEW,
    });
  });
});

describe('spec.rollout', () => {
  it('reads the issue example with defaults filled in', () => {
    expect(
      parseRolloutSpec({ steps: [{ proxies: 1 }, { percent: 25 }, { percent: 100 }], pause: '30s' }),
    ).toEqual({
      spec,
    });
    expect(parseRolloutSpec(undefined)).toEqual({ spec: undefined });
  });

  it('names what is wrong', () => {
    const parsed = parseRolloutSpec({ steps: [{ percent: 250 }], pause: 'soon' });
    const error = 'error' in parsed ? parsed.error : '';
    expect(error).toContain('spec.rollout.pause: expected a duration such as 30s or 5m');
    expect(error).toContain('spec.rollout.steps.0.percent:');
  });
});

describe('the spec in force', () => {
  const under = {
    hash: NEW,
    stableHash: OLD,
    spec,
    step: 0,
    cohort: [],
    phase: 'Progressing' as const,
    startedAt: '',
    stepStartedAt: '',
    message: '',
    updatedAt: '',
  };
  const fleetWith = (rolloutSpec: () => Promise<unknown>) => ({ fleet: { rolloutSpec } }) as never;

  it("keeps the rollout's own spec when the ProxyFleet's is invalid or cannot be read", async () => {
    const invalid = await rolloutSpecOf(
      fleetWith(async () => ({ steps: [] })),
      under,
    );
    expect(invalid.spec).toBe(spec);
    expect(invalid.error).toContain('spec.rollout.steps');
    const unreadable = await rolloutSpecOf(
      fleetWith(async () => {
        throw new Error('connect ECONNREFUSED');
      }),
      under,
    );
    expect(unreadable).toMatchObject({ spec, error: expect.stringContaining('ECONNREFUSED') });
    expect(
      (
        await rolloutSpecOf(
          fleetWith(async () => undefined),
          under,
        )
      ).spec,
    ).toBeUndefined();
  });
});

describe('the rollout state machine', () => {
  const desired = { hash: NEW, revision: 2, at: '2026-01-01T00:00:00Z' };
  const none = async () => [];
  const start = (phase: RolloutState['phase'] = 'Complete', hash = OLD) => ({
    version: '1',
    rollout: {
      hash,
      stableHash: hash,
      spec,
      step: 2,
      cohort: [],
      phase,
      startedAt: '2026-01-01T00:00:00Z',
      stepStartedAt: '2026-01-01T00:00:00Z',
      message: '',
      updatedAt: '2026-01-01T00:00:00Z',
    } satisfies RolloutState,
  });

  it('begins a rollout of a new build with the first step only', async () => {
    const { change, result } = await advance(start(), spec, desired, fleet, none, 0, true);
    expect(change?.rollout).toMatchObject({ hash: NEW, stableHash: OLD, phase: 'Progressing', step: 0 });
    expect(change?.rollout?.cohort).toHaveLength(1);
    expect(result.push).toEqual(change?.rollout?.cohort);
  });

  it('halts an unhealthy step, promotes a healthy one, completes after the last', async () => {
    const begun = (await advance(start(), spec, desired, fleet, none, 0, true)).change!.rollout!;
    const settled = { ...begun, settledAt: new Date(0).toISOString() };
    const current = { version: '2', rollout: settled };
    const observe = (errors: number) => async () =>
      settled.cohort.map((proxy) => ({
        proxy,
        actualHash: NEW,
        rejected: false,
        reachable: true,
        served: { requests: 100, errors },
      }));
    const bad = await advance(current, spec, desired, fleet, observe(60), 60_000, true);
    expect(bad.change?.rollout?.phase).toBe('Halted');
    expect(bad.result.events[0]?.reason).toBe('RolloutHalted');
    expect(bad.result.push).toEqual([]);

    const good = await advance(current, spec, desired, fleet, observe(0), 60_000, true);
    expect(good.change?.rollout).toMatchObject({ phase: 'Progressing', step: 1 });
    expect(good.change?.rollout?.cohort).toHaveLength(3);
    expect(good.result.events[0]?.reason).toBe('RolloutStepPromoted');

    const last = { version: '3', rollout: { ...settled, step: 2, cohort: fleet } };
    const done = await advance(last, spec, desired, fleet, observe(0), 60_000, true);
    expect(done.change?.rollout?.phase).toBe('Complete');
    expect(done.result.events[0]?.reason).toBe('RolloutCompleted');
  });

  it('waits for a manual promote where promote is manual', async () => {
    const manual = { ...spec, promote: 'manual' as const };
    const begun = (await advance(start(), manual, desired, fleet, none, 0, true)).change!.rollout!;
    const current = { version: '2', rollout: { ...begun, settledAt: new Date(0).toISOString() } };
    const observe = async () =>
      begun.cohort.map((proxy) => ({
        proxy,
        actualHash: NEW,
        rejected: false,
        reachable: true,
        served: { requests: 100, errors: 0 },
      }));
    expect(
      (await advance(current, manual, desired, fleet, observe, 60_000, true)).change?.rollout?.phase,
    ).toBe('Paused');
  });

  it('does nothing while pinned, and hands the fleet back to desired when spec.rollout goes', async () => {
    const pinned = { ...start(), pin: { hash: OLD, at: '', reason: 'test' } };
    expect((await advance(pinned, spec, desired, fleet, none, 0, true)).change).toBeUndefined();
    const gone = await advance(start(), undefined, desired, fleet, none, 0, true);
    expect(gone.change).toEqual({ rollout: null });
    expect(gone.result.push).toBe('all');
  });
});
