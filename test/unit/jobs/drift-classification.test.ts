import { EMPTY_CONFIG_HASH } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { CONVERGING_GRACE_MS, classifyDrift } from '../../../jobs/drift-classification.ts';

const NOW = 1_000_000_000;
const previous = new Set(['old', EMPTY_CONFIG_HASH]);
const fresh = NOW - 1000;
const settled = NOW - CONVERGING_GRACE_MS;

describe('classifyDrift', () => {
  it.each([
    ['no answer', null, 'new', fresh, { class: 'unreachable' }],
    ['no answer, nothing built', null, null, 0, { class: 'unreachable' }],
    ['nothing built yet', 'old', null, 0, { class: 'no-build' }],
    ['runs the desired build', 'new', 'new', fresh, { class: 'in-sync' }],
    [
      'desired build is the empty config and the proxy runs it',
      EMPTY_CONFIG_HASH,
      EMPTY_CONFIG_HASH,
      fresh,
      { class: 'in-sync' },
    ],
    [
      'lost its config, even right after a build',
      EMPTY_CONFIG_HASH,
      'new',
      fresh,
      { class: 'drifted', cause: 'empty' },
    ],
    ['previous build within the grace', 'old', 'new', fresh, { class: 'converging' }],
    ['previous build one ms before the grace ends', 'old', 'new', settled + 1, { class: 'converging' }],
    [
      'previous build once the grace is over',
      'old',
      'new',
      settled,
      { class: 'drifted', cause: 'previous-build' },
    ],
    [
      'a build the controller never made',
      'someone-else',
      'new',
      fresh,
      { class: 'drifted', cause: 'foreign' },
    ],
  ] as const)('%s', (_case, actual, expected, desiredSince, verdict) => {
    expect(classifyDrift(actual, expected, previous, desiredSince, NOW)).toEqual(verdict);
  });
});
