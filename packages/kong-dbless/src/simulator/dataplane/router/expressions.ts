/** The `expressions` router: each route's `expression`, tried in `priority` order (highest first). */
import { isIP } from 'node:net';
import { type AtcExpr, parseAtcExpression } from '../../../validate/entities/atc-expression.ts';
import type { KongEntity } from '../../../validate/index.ts';
import { byAgeThenId, headerValues, type RequestFacts, type RouteMatch, type Router } from './index.ts';

type Expr = AtcExpr;
type Predicate = Extract<AtcExpr, { kind: 'predicate' }>;

interface Compiled {
  route: KongEntity;
  expr: Expr;
}

/** The JavaScript regex of each `~` predicate, compiled once per loaded config. */
const regexes = new WeakMap<Predicate, RegExp>();

function compileRegexes(expr: Expr): void {
  if (expr.kind === 'predicate') {
    if (expr.op === '~') regexes.set(expr, new RegExp(String(expr.value)));
  } else if (expr.kind === 'not') compileRegexes(expr.item);
  else for (const item of expr.items) compileRegexes(item);
}

export function compileExpressionsRouter(routes: KongEntity[]): Router {
  const compiled: Compiled[] = [];
  for (const route of routes) {
    if (typeof route.expression !== 'string') continue;
    try {
      // The validator's parser: the tree of the expression it accepted.
      const expr = parseAtcExpression(route.expression, route.protocols);
      compileRegexes(expr);
      compiled.push({ route, expr });
    } catch {
      // An expression this simulator cannot read never matches (documented in the README).
    }
  }
  compiled.sort(
    (a, b) => Number(b.route.priority ?? 0) - Number(a.route.priority ?? 0) || byAgeThenId(a.route, b.route),
  );
  return {
    match(facts) {
      for (const { route, expr } of compiled) {
        const seen: { matchedPath?: string } = {};
        if (evaluate(expr, facts, seen)) return { route, ...seen } as RouteMatch;
      }
      return undefined;
    },
  };
}

function fieldValues(field: string, facts: RequestFacts): Array<string | number> {
  if (field.startsWith('http.headers.')) {
    const want = field.slice('http.headers.'.length);
    const values: string[] = [];
    for (const name of Object.keys(facts.headers))
      if (name.replaceAll('-', '_').toLowerCase() === want) values.push(...headerValues(facts.headers, name));
    return values;
  }
  if (field.startsWith('http.queries.')) return facts.query.getAll(field.slice('http.queries.'.length));
  switch (field) {
    case 'http.path':
      return [facts.path];
    case 'http.host':
      return [facts.host];
    case 'http.method':
      return [facts.method];
    case 'tls.sni':
      return facts.protocol === 'https' && facts.sni ? [facts.sni] : [];
    case 'net.protocol':
      return [facts.protocol];
    case 'net.dst.port':
      return [facts.port];
    case 'net.src.ip':
      return [facts.clientIp];
    default:
      return [];
  }
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (isIP(ip) !== 4 || isIP(base ?? '') !== 4) return ip === base;
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask =
    bits === undefined ? 0xffffffff : Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) === (toInt(base!) & mask);
}

function evaluate(expr: Expr, facts: RequestFacts, seen: { matchedPath?: string }): boolean {
  switch (expr.kind) {
    case 'or':
    case 'and': {
      // A branch's matched path counts only if that branch (all of an `and`, one item of an `or`) holds.
      for (const item of expr.items) {
        const local: { matchedPath?: string } = {};
        const ok = evaluate(item, facts, local);
        if (ok && seen.matchedPath === undefined && local.matchedPath !== undefined)
          seen.matchedPath = local.matchedPath;
        if (expr.kind === 'or' && ok) return true;
        if (expr.kind === 'and' && !ok) return false;
      }
      return expr.kind === 'and';
    }
    case 'not':
      return !evaluate(expr.item, facts, {});
  }
  const values = fieldValues(expr.field, facts).map((v) =>
    expr.lower && typeof v === 'string' ? v.toLowerCase() : v,
  );
  // A field the request lacks makes the predicate false; several values must all match unless any().
  if (values.length === 0) return false;
  const test = (v: string | number): boolean => {
    const want = expr.value;
    switch (expr.op) {
      case '==':
        return v === want;
      case '!=':
        return v !== want;
      case '^=':
        return String(v).startsWith(String(want));
      case '=^':
        return String(v).endsWith(String(want));
      case 'contains':
        return String(v).includes(String(want));
      case '~':
        return regexes.get(expr)!.test(String(v));
      case 'in':
        return typeof want === 'object' && inCidr(String(v), want.cidr);
      case 'not in':
        return typeof want === 'object' && !inCidr(String(v), want.cidr);
      case '>':
        return Number(v) > Number(want);
      case '>=':
        return Number(v) >= Number(want);
      case '<':
        return Number(v) < Number(want);
      case '<=':
        return Number(v) <= Number(want);
      default:
        return false;
    }
  };
  const ok = expr.any ? values.some(test) : values.every(test);
  if (ok && expr.field === 'http.path' && seen.matchedPath === undefined) {
    const path = String(values[0]);
    if (expr.op === '^=') seen.matchedPath = String(expr.value);
    else if (expr.op === '==') seen.matchedPath = path;
    else if (expr.op === '~') {
      const m = regexes.get(expr)!.exec(path);
      if (m && m.index === 0) seen.matchedPath = m[0];
    }
  }
  return ok;
}
