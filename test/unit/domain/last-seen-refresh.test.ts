import { describe, expect, it } from 'vitest';
import { lastSeenRefreshMs } from '../../../domain/policies.ts';

// Issue 19: Kubernetes API writes in steady state ≤ 1 a second whatever the fleet size. A healthy proxy's
// ProxyInstance changes only its lastSeenTime; that refresh alone is what this policy paces.
describe('lastSeenRefreshMs', () => {
  it('keeps a small fleet fresh to the minute', () => {
    expect(lastSeenRefreshMs(1)).toBe(60_000);
    expect(lastSeenRefreshMs(60)).toBe(60_000);
  });

  it('keeps the refresh writes of any fleet at or under one a second', () => {
    for (const proxies of [1, 10, 59, 60, 61, 100, 500, 1000, 5000, 20_000]) {
      const writesPerSecond = proxies / (lastSeenRefreshMs(proxies) / 1000);
      expect(writesPerSecond, `${proxies} proxies`).toBeLessThanOrEqual(1);
    }
    // 1,000 proxies: the old once-a-minute refresh was ~17 writes a second.
    expect(1000 / (lastSeenRefreshMs(1000) / 1000)).toBe(1);
  });
});
