/**
 * Kong expression-router (ATC) matchers, rendered exactly like KIC's `internal/dataplane/translator/atc`:
 * a group of one renders as its only member, larger groups wrap each member in parentheses.
 */

export type Matcher =
  | { type: 'predicate'; text: string }
  | { type: 'and' | 'or'; members: Matcher[] }
  | { type: 'not'; member: Matcher };

export function isEmpty(m: Matcher | undefined): boolean {
  if (m === undefined) return true;
  if (m.type === 'predicate') return false;
  if (m.type === 'not') return isEmpty(m.member);
  return m.members.length === 0;
}

export function and(...members: Array<Matcher | undefined>): Matcher {
  return { type: 'and', members: members.filter((m): m is Matcher => !isEmpty(m)) };
}

export function or(...members: Array<Matcher | undefined>): Matcher {
  return { type: 'or', members: members.filter((m): m is Matcher => !isEmpty(m)) };
}

/** Appends to an and/or group, skipping empty matchers (KIC's `AndMatcher.And`). */
export function push(group: Matcher, member: Matcher | undefined): void {
  if (group.type !== 'and' && group.type !== 'or') throw new TypeError('push needs an and/or matcher');
  if (!isEmpty(member)) group.members.push(member!);
}

export function render(m: Matcher): string {
  switch (m.type) {
    case 'predicate':
      return m.text;
    case 'not':
      return isEmpty(m.member) ? '' : `!(${render(m.member)})`;
    default: {
      if (m.members.length === 0) return '';
      if (m.members.length === 1) return render(m.members[0]!);
      const sep = m.type === 'and' ? ' && ' : ' || ';
      return m.members.map((x) => `(${render(x)})`).join(sep);
    }
  }
}

/** KIC's `StringLiteral.String`: escape `\`, `"`, newline, carriage return and tab, then quote. */
export function stringLiteral(value: string): string {
  const escaped = value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('\n', '\\n')
    .replaceAll('\r', '\\r')
    .replaceAll('\t', '\\t');
  return `"${escaped}"`;
}

export type Op = '==' | '!=' | '~' | '^=' | '=^' | 'in' | 'not in' | 'contains';

export function pred(field: string, op: Op, value: string): Matcher {
  return { type: 'predicate', text: `${field} ${op} ${stringLiteral(value)}` };
}

export function intPred(field: string, op: '==' | '>=' | '<=' | '>' | '<', value: number): Matcher {
  return { type: 'predicate', text: `${field} ${op} ${value}` };
}

export const httpPath = (op: Op, v: string): Matcher => pred('http.path', op, v);
export const httpHost = (op: Op, v: string): Matcher => pred('http.host', op, v);
export const httpMethod = (v: string): Matcher => pred('http.method', '==', v);
export const tlsSni = (v: string): Matcher => pred('tls.sni', '==', v);
export const httpHeader = (name: string, op: Op, v: string): Matcher => pred(`http.headers.${name}`, op, v);
export const httpQuery = (name: string, op: Op, v: string): Matcher => pred(`http.queries.${name}`, op, v);

/** Expression matching every HTTP(S) request (KIC's `CatchAllHTTPExpression`). */
export const CATCH_ALL_HTTP_EXPRESSION = '(net.protocol == "http") || (net.protocol == "https")';

// Hostname and SNI validity, as in KIC (`subtranslator/ingress_atc.go`).
export const VALID_SNI = /^([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*)+(\.([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*))*$/;
export const VALID_HOST =
  /^(\*\.)?([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*)+(\.([a-zA-Z0-9]+(-[a-zA-Z0-9]+)*))*?(\.\*)?$/;
export const VALID_METHOD = /^[A-Z]+$/;

/** Exact match for plain hosts, suffix match for `*.` wildcards; invalid hosts are skipped. */
export function hostMatcher(hosts: readonly string[]): Matcher {
  return or(
    ...hosts
      .filter((h) => VALID_HOST.test(h))
      .map((h) => (h.startsWith('*') ? httpHost('=^', h.slice(1)) : httpHost('==', h))),
  );
}

export function sniMatcher(snis: readonly string[]): Matcher {
  return or(...snis.filter((s) => VALID_SNI.test(s)).map(tlsSni));
}

export function methodMatcher(methods: readonly string[]): Matcher {
  return or(...methods.filter((m) => VALID_METHOD.test(m)).map(httpMethod));
}

/** `x << n` without 32-bit truncation: priorities use up to 46 bits. */
export function shl(value: number, bits: number): number {
  return value * 2 ** bits;
}

/** Bits 44–45 of every HTTP priority say which kind of resource the route came from. */
export const RESOURCE_KIND_SHIFT = 44;
export const RESOURCE_KIND = { ingress: 3, httpRoute: 2, grpcRoute: 1 } as const;
