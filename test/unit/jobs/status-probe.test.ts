import { describe, expect, it } from 'vitest';
import { STATUS_PROBE_INTERVAL_MS, STATUS_PROBE_MAX_PER_SECOND } from '../../../domain/policies.ts';
import { probePeriodMs } from '../../../jobs/status-probe.ts';

describe('probePeriodMs', () => {
  it('keeps the interval while the fleet fits the rate, and stretches it beyond', () => {
    const period = (proxies: number) =>
      probePeriodMs(STATUS_PROBE_INTERVAL_MS, proxies, STATUS_PROBE_MAX_PER_SECOND);
    expect(period(3)).toBe(500);
    expect(period(100)).toBe(500);
    expect(period(101)).toBeGreaterThan(500);
    expect(period(1000)).toBe(5000);
    expect(probePeriodMs(2000, 10, 1)).toBe(10_000);
  });
});
