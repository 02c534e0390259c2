import { describe, expect, it } from 'vitest';
import { compilesAlways, regexError } from '../../src/validate/entities/route-paths.ts';
import { validateDeclarativeConfig } from '../../src/validate/index.ts';

/** Every printable ASCII character, the metacharacters included, and a few beyond ASCII. */
const ALPHABET = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), 'é', '\u00a0', '日'];

/** A deterministic pseudo-random sequence (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('regex paths that surely compile are not compiled', () => {
  it('never says "compiles" of a regex that does not', () => {
    const next = random(19);
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      const length = 1 + Math.floor(next() * 12);
      const regex = `/${Array.from({ length }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('')}`;
      if (!compilesAlways(regex)) continue;
      fast++;
      expect(regexError(regex), regex).toBeUndefined();
    }
    // The generator must reach the fast path often enough for this to mean something.
    expect(fast).toBeGreaterThan(1000);
  });

  it("takes KIC's anchored prefix paths and leaves the others to the compiler", () => {
    expect(compilesAlways('/app-1/v1.0/healthz$')).toBe(true);
    expect(compilesAlways('/users/(?<id>\\d+)$')).toBe(false);
    expect(compilesAlways('/a{2')).toBe(false);
    expect(compilesAlways('/caf\u00e9$')).toBe(false);
  });

  it('a config with a broken regex path is still refused beside thousands of literal ones', () => {
    const paths = Array.from({ length: 3000 }, (_, i) => `~/app/path-${i}$`);
    const config = (extra: string[]) => ({
      _format_version: '3.0',
      services: [{ name: 'echo', host: 'echo.local', routes: [{ name: 'r', paths: [...paths, ...extra] }] }],
    });
    const options = { kongVersion: '3.9.1', routerFlavor: 'traditional', now: () => 0 } as const;
    expect(validateDeclarativeConfig(config([]), options).ok).toBe(true);
    const broken = validateDeclarativeConfig(config(['~/app/(unclosed$']), options);
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(JSON.stringify(broken.error)).toContain('missing closing parenthesis');
  });
});
