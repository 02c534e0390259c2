import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverVariants } from '../../../scripts/conformance/cases.ts';
import { runVariant } from '../../../scripts/conformance/run-variant.ts';

// KIC's golden fixtures live in the shared folder beside the repository (../shared, also in CI).
const fixtures = resolve(import.meta.dirname, '../../../../shared/conformance/kic-golden');
const variants = existsSync(fixtures) ? discoverVariants(fixtures) : [];

describe.skipIf(variants.length === 0)('KIC golden conformance (../shared/conformance/kic-golden)', () => {
  it('finds the fixture cases', () => {
    expect(variants.filter((v) => v.variant === 'default').length).toBeGreaterThanOrEqual(25);
  });

  it.each(variants.filter((v) => v.variant === 'default').map((v) => [v.caseName, v] as const))(
    'default: %s',
    (_name, v) => {
      const outcome = runVariant(v);
      expect(outcome.reason).toBeUndefined();
      expect(outcome.diffs ?? []).toEqual([]);
      expect(outcome.status).toBe('PASS');
    },
  );

  it('expression-routes-on: at least 80% pass', () => {
    const outcomes = variants.filter((v) => v.variant === 'expression-routes-on').map(runVariant);
    const passed = outcomes.filter((o) => o.status === 'PASS').length;
    expect(outcomes.length).toBeGreaterThan(0);
    expect(passed / outcomes.length).toBeGreaterThanOrEqual(0.8);
  });
});
