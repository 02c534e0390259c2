import { describe, expect, it } from 'vitest';
import {
  decideFleetMode,
  type FleetModeRecord,
  modeInForce,
  type ShadowReport,
} from '../../../domain/shadow.ts';

const now = new Date('2026-12-02T19:00:00Z');
const shadowRecord: FleetModeRecord = {
  mode: 'shadow',
  since: '2026-12-02T18:00:00Z',
  reason: 'spec.mode is shadow',
};
const report = (clean: boolean, desiredHash = 'abc'): ShadowReport => ({
  at: '2026-12-02T18:59:00Z',
  desiredHash,
  clean,
  summary: clean
    ? '3/3 proxies run what kong-fleet would push'
    : '1/3 proxies differ: p1: ~ services a (host)',
  proxies: [],
});
const active = { mode: 'active', force: false } as const;

describe('decideFleetMode (shadow mode and takeover)', () => {
  it('follows the spec when nothing was recorded: a fresh install is active, or shadow when asked', () => {
    expect(decideFleetMode(active, null, null, null, now).mode).toBe('active');
    expect(decideFleetMode({ mode: 'shadow', force: false }, null, null, 'abc', now).mode).toBe('shadow');
  });

  it('takes over from shadow only with a clean shadow check of the current build', () => {
    expect(decideFleetMode(active, shadowRecord, report(true), 'abc', now)).toMatchObject({
      mode: 'active',
      reason: 'took over: shadow diff clean at hash abc',
    });
    expect(decideFleetMode(active, shadowRecord, report(false), 'abc', now)).toMatchObject({
      mode: 'shadow',
      refused: '1/3 proxies differ: p1: ~ services a (host)',
    });
    expect(decideFleetMode(active, shadowRecord, report(true, 'old'), 'abc', now)).toMatchObject({
      mode: 'shadow',
      refused: 'no shadow check of hash abc yet',
    });
    expect(decideFleetMode(active, shadowRecord, null, null, now).refused).toBe(
      'no configuration has been built yet',
    );
  });

  it('takes over when forced, and goes back to shadow whenever the spec says so', () => {
    expect(
      decideFleetMode({ mode: 'active', force: true }, shadowRecord, report(false), 'abc', now).mode,
    ).toBe('active');
    const took: FleetModeRecord = { mode: 'active', since: '2026-12-02T18:30:00Z', reason: 'took over' };
    expect(decideFleetMode(active, took, report(false), 'abc', now)).toBe(took);
    expect(decideFleetMode({ mode: 'shadow', force: false }, took, null, 'abc', now).mode).toBe('shadow');
  });

  it('stops pushing as soon as the spec is shadow, before any check has run', () => {
    const took: FleetModeRecord = { mode: 'active', since: '2026-12-02T18:30:00Z', reason: 'took over' };
    expect(modeInForce({ mode: 'shadow', force: false }, took)).toBe('shadow');
    expect(modeInForce(active, shadowRecord)).toBe('shadow');
    expect(modeInForce(active, null)).toBe('active');
  });
});
