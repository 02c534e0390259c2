/**
 * Kong's ATC router expressions (the `expressions` flavor's `expression` field), the one parser of the
 * package: the atc-router grammar (predicates `lhs op rhs` joined by `&&`/`||` with `&&` binding tighter,
 * `!(…)`, parentheses, `lower()`/`any()` transforms), type-checked against the schema Kong builds per
 * subsystem (HTTP or stream fields). The validator reports its errors; the simulator's expressions router
 * evaluates the tree it returns. The messages keep Kong's `Router Expression failed validation:` prefix;
 * the detail after it is ours (the specs assert only that the route is rejected).
 */

import { isIPv6 } from 'node:net';
import { regexError } from './route-paths.ts';

type AtcType = 'String' | 'Int' | 'IpAddr';
type Literal = 'String' | 'Int' | 'IpAddr' | 'IpCidr';

const COMMON: Record<string, AtcType> = {
  'net.protocol': 'String',
  'tls.sni': 'String',
  'net.src.port': 'Int',
  'net.dst.port': 'Int',
  'net.port': 'Int',
  'net.src.ip': 'IpAddr',
  'net.dst.ip': 'IpAddr',
};
const HTTP_ONLY: Record<string, AtcType> = {
  'http.method': 'String',
  'http.host': 'String',
  'http.path': 'String',
  'http.path.segments.len': 'Int',
};
const HTTP_PREFIXES = ['http.headers.', 'http.queries.'];
const SEGMENT_RE = /^http\.path\.segments\.(0|[1-9]\d*)(?:_([1-9]\d*))?$/;
const STREAM_PROTOCOLS = new Set(['tcp', 'tls', 'udp', 'tls_passthrough']);

/** The field's type in the subsystem's schema, or undefined when the schema has no such field. */
function fieldType(name: string, http: boolean): AtcType | undefined {
  const common = COMMON[name];
  if (common) return common;
  if (!http) return undefined;
  const own = HTTP_ONLY[name];
  if (own) return own;
  for (const prefix of HTTP_PREFIXES)
    if (name.startsWith(prefix) && /^[A-Za-z0-9_-]+$/.test(name.slice(prefix.length))) return 'String';
  const segment = SEGMENT_RE.exec(name);
  if (segment && (segment[2] === undefined || Number(segment[2]) > Number(segment[1]))) return 'String';
  return undefined;
}

const OPERATORS: Record<AtcType, Record<string, Literal>> = {
  String: {
    '==': 'String',
    '!=': 'String',
    '~': 'String',
    '^=': 'String',
    '=^': 'String',
    contains: 'String',
  },
  Int: { '==': 'Int', '!=': 'Int', '>': 'Int', '>=': 'Int', '<': 'Int', '<=': 'Int' },
  IpAddr: { '==': 'IpAddr', '!=': 'IpAddr', in: 'IpCidr', 'not in': 'IpCidr' },
};

/** A literal operand: a string, an integer, an IP address (text) or a CIDR range. */
export type AtcValue = string | number | { cidr: string };

export type AtcExpr =
  | { kind: 'or' | 'and'; items: AtcExpr[] }
  | { kind: 'not'; item: AtcExpr }
  | { kind: 'predicate'; field: string; lower: boolean; any: boolean; op: string; value: AtcValue };

export class AtcError extends Error {}

interface Lhs {
  field: string;
  type: AtcType;
  lower: boolean;
  any: boolean;
}

class Parser {
  private pos = 0;
  private readonly src: string;
  private readonly http: boolean;
  constructor(src: string, http: boolean) {
    this.src = src;
    this.http = http;
  }

  parse(): AtcExpr {
    const expr = this.expression();
    this.ws();
    if (this.pos < this.src.length) this.fail(`unexpected '${this.src.slice(this.pos, this.pos + 10)}'`);
    return expr;
  }

  private fail(message: string): never {
    throw new AtcError(`syntax error at ${this.pos + 1}: ${message}`);
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private eat(token: string): boolean {
    this.ws();
    if (this.src.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  /** `term (op term)*`, grouped as atc-router's Pratt parser does: `&&` before `||`. */
  private expression(): AtcExpr {
    const alternatives: AtcExpr[][] = [[this.term()]];
    for (;;) {
      if (this.eat('&&')) alternatives[alternatives.length - 1]!.push(this.term());
      else if (this.eat('||')) alternatives.push([this.term()]);
      else break;
    }
    const ands = alternatives.map(
      (items): AtcExpr => (items.length === 1 ? items[0]! : { kind: 'and', items }),
    );
    return ands.length === 1 ? ands[0]! : { kind: 'or', items: ands };
  }

  private term(): AtcExpr {
    if (this.eat('!')) {
      if (!this.eat('(')) this.fail("expected '(' after '!'");
      return { kind: 'not', item: this.group() };
    }
    if (this.eat('(')) return this.group();
    return this.predicate();
  }

  private group(): AtcExpr {
    const expr = this.expression();
    if (!this.eat(')')) this.fail("expected ')'");
    return expr;
  }

  private ident(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/.exec(this.src.slice(this.pos));
    if (!m) this.fail('expected a field');
    this.pos += m[0].length;
    return m[0];
  }

  /** `field` or `lower(…)`/`any(…)` around one: the field, its type and the transforms. */
  private lhs(): Lhs {
    const name = this.ident();
    if (this.eat('(')) {
      if (name !== 'lower' && name !== 'any') throw new AtcError(`unknown function '${name}'`);
      const inner = this.lhs();
      if (!this.eat(')')) this.fail("expected ')'");
      if (inner.type !== 'String') throw new AtcError(`'${name}' takes a String field`);
      return { ...inner, [name]: true };
    }
    const type = fieldType(name, this.http);
    if (!type) throw new AtcError(`unknown field '${name}'`);
    return { field: name, type, lower: false, any: false };
  }

  private operator(): string {
    this.ws();
    for (const op of ['==', '!=', '^=', '=^', '>=', '<=', '~', '>', '<']) if (this.eat(op)) return op;
    const word = /^(contains|in|not\s+in)(?![A-Za-z0-9_])/.exec(this.src.slice(this.pos));
    if (!word) this.fail('expected an operator');
    this.pos += word[0].length;
    return word[1]!.startsWith('not') ? 'not in' : word[1]!;
  }

  private predicate(): AtcExpr {
    const { field, type, lower, any } = this.lhs();
    const op = this.operator();
    const [kind, text] = this.rhs();
    const expected = OPERATORS[type][op];
    if (!expected) throw new AtcError(`operator '${op}' is not valid for a ${type} field`);
    if (expected !== kind)
      throw new AtcError(`type mismatch: '${op}' on a ${type} field takes ${expected}, got ${kind}`);
    if (op === '~') {
      const err = regexError(text) ?? rustOnlyError(text);
      if (err) throw new AtcError(`regex parse error: ${text}: ${err}`);
    }
    const value: AtcValue = kind === 'Int' ? intValue(text) : kind === 'IpCidr' ? { cidr: text } : text;
    return { kind: 'predicate', field, lower, any, op, value };
  }

  private rhs(): [Literal, string] {
    this.ws();
    const rest = this.src.slice(this.pos);
    if (rest.startsWith('"')) return ['String', this.string()];
    const raw = /^r(#+)"/.exec(rest);
    if (raw) {
      const close = `"${raw[1]}`;
      const end = rest.indexOf(close, raw[0].length);
      if (end < 0) this.fail('unterminated raw string');
      this.pos += end + close.length;
      return ['String', rest.slice(raw[0].length, end)];
    }
    const m = /^[0-9A-Fa-fxX:./-]+/.exec(rest);
    if (!m) this.fail('expected a value');
    this.pos += m[0].length;
    return [literalKind(m[0]), m[0]];
  }

  private string(): string {
    let out = '';
    for (let i = this.pos + 1; i < this.src.length; i++) {
      const ch = this.src[i]!;
      if (ch === '"') {
        this.pos = i + 1;
        return out;
      }
      if (ch === '\\') {
        const next = this.src[++i];
        if (next === undefined) break;
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
      } else out += ch;
    }
    this.fail('unterminated string');
  }
}

/** An Int literal's value: decimal or `0x` hexadecimal, optionally negative. */
function intValue(text: string): number {
  const negative = text.startsWith('-');
  const magnitude = Number(negative ? text.slice(1) : text);
  return negative ? -magnitude : magnitude;
}

function literalKind(text: string): Literal {
  if (/^-?(0x[0-9A-Fa-f]+|\d+)$/.test(text)) return 'Int';
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const v4 = ipv4(address);
  const v6 = v4 === undefined && isIPv6(address) ? ipv6(address) : undefined;
  const bits = v4 ?? v6;
  if (bits === undefined) throw new AtcError(`invalid value '${text}'`);
  if (slash < 0) return 'IpAddr';
  const width = v4 !== undefined ? 32 : 128;
  const prefixText = text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > width) throw new AtcError(`invalid cidr '${text}'`);
  const hostMask = (1n << BigInt(width - prefix)) - 1n;
  if ((bits & hostMask) !== 0n)
    throw new AtcError(`invalid cidr '${text}': host part of address was not zero`);
  return 'IpCidr';
}

function ipv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255))
    return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function ipv6(text: string): bigint | undefined {
  let groups: string[];
  let tail: string[] = [];
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let body = text;
  if (v4Tail) {
    const v4 = ipv4(v4Tail[1]!);
    if (v4 === undefined) return undefined;
    tail = [((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16)];
    body = text.slice(0, -v4Tail[1]!.length).replace(/:$/, '') || ':';
    if (body === ':' && text.startsWith('::')) body = '::';
  }
  const halves = body.split('::');
  if (halves.length === 2) {
    const head = halves[0] ? halves[0].split(':') : [];
    const back = halves[1] ? halves[1].split(':') : [];
    const missing = 8 - head.length - back.length - tail.length;
    groups = [...head, ...Array(Math.max(missing, 0)).fill('0'), ...back, ...tail];
  } else groups = [...body.split(':'), ...tail];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g || '0'}`), 0n);
}

const RUST_ONLY: readonly [RegExp, string][] = [
  [/\(\?<?[=!]/, 'look-around, including look-ahead and look-behind, is not supported'],
  [/\\[1-9]|\\k</, 'backreferences are not supported'],
];

function rustOnlyError(source: string): string | undefined {
  return RUST_ONLY.find(([pattern]) => pattern.test(source))?.[1];
}

/**
 * Parses and type-checks a route's `expression` against the schema of its protocols' subsystem (stream
 * fields when the first protocol is a stream one, else HTTP); throws an `AtcError` when the router would not
 * take it.
 */
export function parseAtcExpression(expression: string, protocols: unknown): AtcExpr {
  const first = Array.isArray(protocols) ? protocols[0] : undefined;
  const http = !(typeof first === 'string' && STREAM_PROTOCOLS.has(first));
  if (expression.trim() === '') throw new AtcError('syntax error: empty expression');
  return new Parser(expression, http).parse();
}

/** The validation error of a route's `expression` under its protocols, undefined when the router takes it. */
export function atcExpressionError(expression: string, protocols: unknown): string | undefined {
  try {
    parseAtcExpression(expression, protocols);
    return undefined;
  } catch (err) {
    if (!(err instanceof AtcError)) throw err;
    return `Router Expression failed validation: ${err.message}`;
  }
}
