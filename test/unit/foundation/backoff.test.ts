import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../lib/duration.ts';
import { backoffDelay } from '../../../queue/backoff.ts';
import { CoalescingWindow } from '../../../queue/coalescing-window.ts';
import { PermanentError, RetryAfterError, toRetryDecision } from '../../../queue/errors.ts';

describe('backoffDelay', () => {
  const policy = { baseMs: 1000, capMs: 60_000, jitter: 0.2 };
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 32_000],
    [7, 60_000],
    [50, 60_000],
    [5000, 60_000],
  ])('retry %i without jitter waits %i ms (capped)', (retry, expected) => {
    expect(backoffDelay(policy, retry, () => 0)).toBe(expected);
  });

  it('takes at most `jitter` of the delay off at random', () => {
    expect(backoffDelay(policy, 3, () => 1)).toBe(3200);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(3600);
    expect(backoffDelay({ ...policy, jitter: 1 }, 3, () => 1)).toBe(0);
  });
});

describe('toRetryDecision', () => {
  it('maps the three error kinds', () => {
    expect(toRetryDecision(new PermanentError('bad'))).toEqual({ retry: false });
    expect(toRetryDecision(new RetryAfterError('busy', 1500))).toEqual({ retry: true, delayMs: 1500 });
    expect(toRetryDecision(new Error('boom'))).toEqual({ retry: true });
    expect(toRetryDecision('a string')).toEqual({ retry: true });
  });
});

describe('CoalescingWindow', () => {
  const postpones = (window: CoalescingWindow, key: string, now: number) => window.decide(key, now).replace;

  it('postpones while a burst lasts, then lets the pending run fire after maxDelayMs', () => {
    const window = new CoalescingWindow({ delayMs: 50, maxDelayMs: 300 });
    const decisions: boolean[] = [];
    for (let t = 0; t <= 400; t += 20) decisions.push(postpones(window, 'k', t));
    // t = 0..280 postpone; at 300 the burst is 300 ms old: hold (no postpone) for one delay.
    expect(decisions.slice(0, 15).every(Boolean)).toBe(true);
    expect(decisions.slice(15, 18)).toEqual([false, false, false]);
    // After the hold, a new window starts and postponing resumes.
    expect(decisions.slice(18).every(Boolean)).toBe(true);
  });

  it('starts a fresh window after a quiet period and keeps keys apart', () => {
    const window = new CoalescingWindow({ delayMs: 50, maxDelayMs: 100 });
    expect(postpones(window, 'a', 0)).toBe(true);
    expect(postpones(window, 'a', 90)).toBe(true); // quiet for 90 > 50: new window
    expect(postpones(window, 'b', 95)).toBe(true);
    expect(postpones(window, 'a', 130)).toBe(true);
    expect(postpones(window, 'a', 170)).toBe(true);
    expect(postpones(window, 'a', 215)).toBe(false); // 125 ms into a window that may last 100
  });

  it('waits longer once a window has seen a burst, and short again after quiet', () => {
    const window = new CoalescingWindow({
      delayMs: 50,
      maxDelayMs: 2000,
      burstAfterAdds: 3,
      burstDelayMs: 500,
    });
    expect(window.decide('k', 0)).toEqual({ replace: true, delayMs: 50 });
    expect(window.decide('k', 10)).toEqual({ replace: true, delayMs: 50 });
    expect(window.decide('k', 20)).toEqual({ replace: true, delayMs: 500 });
    // 300 ms of quiet is short of the burst's 500: still the same window.
    expect(window.decide('k', 320)).toEqual({ replace: true, delayMs: 500 });
    // After more than 500 ms of quiet, a lone event is quick again.
    expect(window.decide('k', 900)).toEqual({ replace: true, delayMs: 50 });
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['250', 250],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '5 minutes', '-1s', '1w'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats exactly', () => {
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});
