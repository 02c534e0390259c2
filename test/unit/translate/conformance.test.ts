import { describe, expect, it } from 'vitest';
import { discoverVariants } from '../../../scripts/conformance/cases.ts';
import { runVariant } from '../../../scripts/conformance/run-variant.ts';
import { KIC_GOLDEN_DIR, KIC_GOLDEN_MISSING } from '../../../testing/kic-golden.ts';

// KIC's golden fixtures, read from shared/conformance/kic-golden beside the repository.
if (!KIC_GOLDEN_DIR) console.log(KIC_GOLDEN_MISSING);
const variants = KIC_GOLDEN_DIR ? discoverVariants(KIC_GOLDEN_DIR) : [];

describe.skipIf(!KIC_GOLDEN_DIR)('KIC golden conformance (shared/conformance/kic-golden)', () => {
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
