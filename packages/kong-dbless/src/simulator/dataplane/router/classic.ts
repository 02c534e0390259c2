/**
 * The `traditional` and `traditional_compatible` routers: routes given as `protocols`/`hosts`/`paths`/
 * `methods`/`headers`/`snis`, ordered as Kong orders them (kong/router/traditional.lua's categories and
 * route sort; kong/router/transform.lua's `get_priority` for the ATC-backed compatible flavor, which splits a
 * route by path so each path gets its own priority).
 */
import type { KongEntity, RouterFlavor } from '../../../validate/index.ts';
import {
  byAgeThenId,
  headerValues,
  pathRegex,
  type RequestFacts,
  type RouteMatch,
  type Router,
} from './index.ts';

interface PathMatcher {
  regex: boolean;
  /** Prefix paths: the prefix; regex paths: the source (for length, unused). */
  text: string;
  re?: RegExp;
}

interface HostMatcher {
  kind: 'exact' | 'suffix' | 'prefix';
  value: string;
  port?: number;
}

interface HeaderMatcher {
  name: string;
  /** Any of these matches (lower-cased exact values, or `~*` case-insensitive regexes). */
  values: Array<string | RegExp>;
}

interface Candidate {
  route: KongEntity;
  hosts: HostMatcher[];
  paths: PathMatcher[];
  methods: string[];
  headers: HeaderMatcher[];
  snis: string[];
  /** Compared element by element, larger first. */
  key: number[];
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

function compileHost(host: string): HostMatcher {
  const colon = host.lastIndexOf(':');
  const port = colon > 0 && /^\d+$/.test(host.slice(colon + 1)) ? Number(host.slice(colon + 1)) : undefined;
  const name = (port === undefined ? host : host.slice(0, colon)).toLowerCase();
  const base = port === undefined ? {} : { port };
  if (name.startsWith('*')) return { kind: 'suffix', value: name.slice(1), ...base };
  if (name.endsWith('*')) return { kind: 'prefix', value: name.slice(0, -1), ...base };
  return { kind: 'exact', value: name, ...base };
}

function compileHeaders(headers: unknown): HeaderMatcher[] {
  if (!headers || typeof headers !== 'object') return [];
  return Object.entries(headers as Record<string, unknown>).map(([name, values]) => ({
    name: name.toLowerCase(),
    values: list(values).map((v) => (v.startsWith('~*') ? new RegExp(v.slice(2), 'i') : v.toLowerCase())),
  }));
}

function compilePaths(paths: string[]): PathMatcher[] {
  return paths.map((p) =>
    p.startsWith('~') ? { regex: true, text: p, re: pathRegex(p) } : { regex: false, text: p },
  );
}

export function compileClassicRouter(routes: KongEntity[], flavor: RouterFlavor): Router {
  const candidates: Candidate[] = [];
  for (const route of routes) {
    const hosts = list(route.hosts).map(compileHost);
    const headers = compileHeaders(route.headers);
    const methods = list(route.methods).map((m) => m.toUpperCase());
    const snis = list(route.snis).map((s) => s.replace(/\.$/, '').toLowerCase());
    const paths = list(route.paths);
    const base = { route, hosts, headers, methods, snis };
    const plainHostsOnly = hosts.length > 0 && hosts.every((h) => h.kind === 'exact');
    const weight =
      Number(hosts.length > 0) +
      Number(headers.length > 0) +
      Number(paths.length > 0) +
      Number(methods.length > 0) +
      Number(snis.length > 0);
    if (flavor === 'traditional') {
      const regex = paths.some((p) => p.startsWith('~'));
      const category =
        (hosts.length > 0 ? 0x40 : 0) |
        (headers.length > 0 ? 0x20 : 0) |
        (paths.length > 0 ? 0x10 : 0) |
        (methods.length > 0 ? 0x08 : 0) |
        (snis.length > 0 ? 0x04 : 0);
      const submatch =
        (regex ? 0x01 : 0) |
        (plainHostsOnly ? 0x02 : 0) |
        (hosts.some((h) => h.kind !== 'exact' && h.port !== undefined) ? 0x04 : 0);
      const maxLength = Math.max(0, ...paths.filter((p) => !p.startsWith('~')).map((p) => p.length));
      // Within a route the router tries regex paths first, then prefixes longest first.
      const ordered = [
        ...paths.filter((p) => p.startsWith('~')),
        ...paths.filter((p) => !p.startsWith('~')).sort((a, b) => b.length - a.length),
      ];
      candidates.push({
        ...base,
        paths: compilePaths(ordered),
        key: [
          weight,
          category,
          submatch,
          headers.length,
          regex ? Number(route.regex_priority ?? 0) : 0,
          maxLength,
        ],
      });
      continue;
    }
    // traditional_compatible: one ATC matcher per path (same priority fields as get_priority()).
    const groups = paths.length > 0 ? paths.map((p) => [p]) : [[]];
    for (const group of groups) {
      const regex = group[0]?.startsWith('~') ?? false;
      candidates.push({
        ...base,
        paths: compilePaths(group),
        key: [
          weight,
          Number(plainHostsOnly),
          Math.min(headers.length, 255),
          Number(regex),
          regex ? Number(route.regex_priority ?? 0) : 0,
          regex ? 0 : (group[0]?.length ?? 0),
        ],
      });
    }
  }
  candidates.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return b.key[i]! - a.key[i]!;
    return byAgeThenId(a.route, b.route);
  });
  return {
    match(facts) {
      for (const candidate of candidates) {
        const matched = matchCandidate(candidate, facts);
        if (matched) return matched;
      }
      return undefined;
    },
  };
}

function matchHost(matcher: HostMatcher, facts: RequestFacts): boolean {
  if (matcher.port !== undefined && matcher.port !== facts.port) return false;
  switch (matcher.kind) {
    case 'exact':
      return facts.host === matcher.value;
    case 'suffix':
      return facts.host.length > matcher.value.length && facts.host.endsWith(matcher.value);
    case 'prefix':
      return facts.host.length > matcher.value.length && facts.host.startsWith(matcher.value);
  }
}

function matchHeader(matcher: HeaderMatcher, facts: RequestFacts): boolean {
  return headerValues(facts.headers, matcher.name).some((value) =>
    matcher.values.some((want) =>
      typeof want === 'string' ? value.toLowerCase() === want : want.test(value),
    ),
  );
}

function matchCandidate(c: Candidate, facts: RequestFacts): RouteMatch | undefined {
  if (c.methods.length > 0 && !c.methods.includes(facts.method)) return undefined;
  if (c.hosts.length > 0 && !c.hosts.some((h) => matchHost(h, facts))) return undefined;
  if (!c.headers.every((h) => matchHeader(h, facts))) return undefined;
  // SNIs only constrain https traffic (Kong#6425: `net.protocol != "https" || tls.sni == …`).
  if (c.snis.length > 0 && facts.protocol === 'https' && !c.snis.includes(facts.sni ?? '')) return undefined;
  if (c.paths.length === 0) return { route: c.route };
  for (const p of c.paths) {
    if (p.re) {
      const m = p.re.exec(facts.path);
      if (m) return { route: c.route, matchedPath: m[0] };
    } else if (facts.path.startsWith(p.text)) {
      return { route: c.route, matchedPath: p.text };
    }
  }
  return undefined;
}
