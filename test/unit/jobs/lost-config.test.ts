import { EMPTY_CONFIG_HASH } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { AWAY_MS, countersWentBack, lostConfig, type StatusObservation } from '../../../jobs/lost-config.ts';

const desired = 'a'.repeat(32);
const other = 'b'.repeat(32);
const seen = (hash: string, totalRequests: number): StatusObservation => ({
  answered: true,
  hash,
  counters: { total_requests: totalRequests, connections_handled: 1 },
});
const silent: StatusObservation = { answered: false, since: 1000, lastAt: 1000 };
/** Silent from the first unanswered probe to the last for `ms`. */
const silentFor = (ms: number): StatusObservation => ({ answered: false, since: 1000, lastAt: 1000 + ms });

describe('lostConfig', () => {
  it('starts an episode when a proxy that ran the build answers with the empty hash', () => {
    expect(lostConfig(seen(desired, 10), seen(EMPTY_CONFIG_HASH, 1), desired)).toBe('empty');
  });

  it('starts one when a proxy comes back empty after not answering', () => {
    expect(lostConfig(silent, seen(EMPTY_CONFIG_HASH, 1), desired)).toBe('empty');
  });

  it('leaves a proxy seen for the first time to discovery, which pushes newcomers', () => {
    expect(lostConfig(undefined, seen(EMPTY_CONFIG_HASH, 1), desired)).toBeUndefined();
  });

  it('leaves a proxy that stays empty in the same process to the push job and its backoff', () => {
    expect(lostConfig(seen(EMPTY_CONFIG_HASH, 5), seen(EMPTY_CONFIG_HASH, 6), desired)).toBeUndefined();
  });

  it('starts a new episode when an empty proxy restarted again (its counters went back)', () => {
    expect(lostConfig(seen(EMPTY_CONFIG_HASH, 50), seen(EMPTY_CONFIG_HASH, 2), desired)).toBe('restarted');
  });

  it('treats a restart into another config as lost, and another hash without a restart as the drift check’s', () => {
    expect(lostConfig(seen(desired, 50), seen(other, 2), desired)).toBe('restarted');
    expect(lostConfig(seen(desired, 50), seen(other, 51), desired)).toBeUndefined();
  });

  it('starts one when a proxy answers again with an older config after being away, not after one missed probe', () => {
    expect(lostConfig(silentFor(AWAY_MS), seen(other, 51), desired)).toBe('returned');
    expect(lostConfig(silent, seen(other, 51), desired)).toBeUndefined();
    expect(lostConfig(silentFor(AWAY_MS - 1), seen(other, 51), desired)).toBeUndefined();
    expect(lostConfig(silentFor(AWAY_MS), seen(desired, 51), desired)).toBeUndefined();
    expect(lostConfig(silentFor(AWAY_MS), silent, desired)).toBeUndefined();
  });

  it('does nothing for the desired hash, no answer, or no build yet', () => {
    expect(lostConfig(seen(EMPTY_CONFIG_HASH, 50), seen(desired, 2), desired)).toBeUndefined();
    expect(lostConfig(seen(desired, 50), silent, desired)).toBeUndefined();
    expect(lostConfig(seen(desired, 50), seen(EMPTY_CONFIG_HASH, 1), null)).toBeUndefined();
  });
});

describe('countersWentBack', () => {
  it('compares only the counters both reports carry', () => {
    expect(countersWentBack({ total_requests: 9 }, { total_requests: 3 })).toBe(true);
    expect(countersWentBack({ total_requests: 9 }, { total_requests: 9 })).toBe(false);
    expect(countersWentBack({ connections_active: 9 }, { connections_active: 1 })).toBe(false);
    expect(countersWentBack({}, { total_requests: 1 })).toBe(false);
  });
});
