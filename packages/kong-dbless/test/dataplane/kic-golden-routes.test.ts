/**
 * Every route of KIC's goldens (configs real Kong accepted) is routable by the simulator's router: expressions
 * parse, and a request built from a classic route's own fields finds a route. Router only: no traffic is sent
 * (the goldens' targets are cluster addresses).
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileConfig } from '../../src/simulator/dataplane/compiled-config.ts';
import { pathRegex, type RequestFacts } from '../../src/simulator/dataplane/router/index.ts';
import { parseAtcExpression } from '../../src/validate/entities/atc-expression.ts';
import { validateDeclarativeConfig } from '../../src/validate/index.ts';
import { KIC_GOLDENS_PRESENT, readKicGoldens } from '../kic-goldens.ts';

const goldens = readKicGoldens();
let checked = 0;

/** A path a route's own paths accept: a prefix as is, or a simple regex with its pattern parts filled in. */
function samplePath(paths: string[]): string | undefined {
  if (paths.length === 0) return '/';
  const prefix = paths.find((p) => !p.startsWith('~'));
  if (prefix) return prefix;
  for (const regex of paths) {
    const candidate = regex
      .slice(1)
      .replace(/^\^/, '')
      .replace(/\$$/, '')
      .replaceAll('(/.*)', '/x')
      .replaceAll('\\d{3}', '123')
      .replaceAll('\\d+', '1')
      .replaceAll('.*', 'x');
    if (pathRegex(regex).test(candidate)) return candidate;
  }
  return undefined;
}

describe.skipIf(!KIC_GOLDENS_PRESENT)('KIC golden routes', () => {
  it.each(goldens.map((g) => [g.name, g] as const))('%s', (_name, golden) => {
    const result = validateDeclarativeConfig(parse(golden.text), {
      routerFlavor: golden.routerFlavor,
      edition: golden.edition,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    const routes = Object.values(result.entities.routes ?? {});
    const config = compileConfig(result.entities, golden.routerFlavor);
    for (const route of routes) {
      if (typeof route.expression === 'string') {
        expect(
          () => parseAtcExpression(route.expression as string, route.protocols),
          route.expression as string,
        ).not.toThrow();
        checked++;
        continue;
      }
      const protocols = (route.protocols as string[] | null) ?? [];
      const path = samplePath((route.paths as string[] | null) ?? []);
      const host = ((route.hosts as string[] | null) ?? []).find((h) => !h.includes('*'));
      if (!protocols.some((p) => p === 'http' || p === 'https') || route.snis || path === undefined) continue;
      const headers = Object.fromEntries(
        Object.entries((route.headers as Record<string, string[]> | null) ?? {}).map(([k, v]) => [
          k.toLowerCase(),
          v[0]!,
        ]),
      );
      const facts: RequestFacts = {
        protocol: protocols.includes('http') ? 'http' : 'https',
        method: ((route.methods as string[] | null) ?? ['GET'])[0]!,
        host: host ?? 'any.test',
        port: 8000,
        path,
        query: new URLSearchParams(),
        headers: { ...headers, ...(host ? { host } : {}) },
        clientIp: '127.0.0.1',
      };
      if ((route.hosts as string[] | null)?.length && !host) continue;
      expect(config.router.match(facts), `${route.name} ${host} ${path}`).toBeDefined();
      checked++;
    }
  });

  // 34 routes today; the floor catches a filter that silently skips them all.
  it("checked most of the goldens' routes", () => expect(checked).toBeGreaterThanOrEqual(30));
});
