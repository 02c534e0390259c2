import { describe, expect, it } from 'vitest';
import { atcExpressionError, parseAtcExpression } from '../../src/validate/entities/atc-expression.ts';

const HTTP = ['http', 'https'];
const TCP = ['tcp'];

describe('ATC expressions (expressions flavor)', () => {
  it.each([
    ['http.path == "/a" && (http.host == "x" || tls.sni == "y")', HTTP],
    ['!(http.method == "GET") && lower(http.host) =^ ".com"', HTTP],
    ['http.headers.x_foo contains "a" && any(http.queries.q) != "b"', HTTP],
    ['http.path ~ r#"^/foo/\\d+$"# && http.path.segments.1_3 ^= "x"', HTTP],
    ['http.path.segments.len >= 2 && net.dst.port == 80 && net.port == 8000', HTTP],
    ['net.src.ip in 10.0.0.0/8 && net.dst.ip not in fe80::/64 && net.src.ip != ::1', TCP],
    ['tls.sni == "a.example" && net.protocol == "tls"', ['tls']],
  ])('accepts %s', (expression, protocols) => {
    expect(atcExpressionError(expression, protocols)).toBeUndefined();
  });

  it.each([
    ['(http.method == "GET") &&', HTTP],
    ['http.path == "/a', HTTP],
    ['http.path = "/a"', HTTP],
    ['http.path ~ "/[abc"', HTTP],
    ['http.path ~ "(?=a)"', HTTP],
    ['http.method == "GET" && net.src.port == 80', TCP],
    ['net.src.ip in 1.2.3.4/16', TCP],
    ['net.src.ip == 1.2.3.256', TCP],
    ['net.src.ip == "1.2.3.4"', TCP],
    ['net.dst.port == "80"', HTTP],
    ['http.path in 10.0.0.0/8', HTTP],
    ['http.path.segments.2_1 == "a"', HTTP],
    ['http.path.segments.01_2 == "a"', HTTP],
    ['http.path.segments.len == "1"', HTTP],
    ['http.nope == "a"', HTTP],
    ['upper(http.path) == "a"', HTTP],
    ['', HTTP],
  ])('rejects %s', (expression, protocols) => {
    expect(atcExpressionError(expression, protocols)).toMatch(/^Router Expression failed validation: /);
  });

  it('returns the tree the expressions router evaluates, && binding tighter than ||', () => {
    const p = (field: string, op: string, value: unknown, lower = false) => ({
      kind: 'predicate',
      field,
      lower,
      any: false,
      op,
      value,
    });
    expect(
      parseAtcExpression('lower(http.host) == "a" || http.path ^= "/b" && !(net.dst.port >= 0x50)', HTTP),
    ).toEqual({
      kind: 'or',
      items: [
        p('http.host', '==', 'a', true),
        {
          kind: 'and',
          items: [p('http.path', '^=', '/b'), { kind: 'not', item: p('net.dst.port', '>=', 80) }],
        },
      ],
    });
    expect(parseAtcExpression('net.src.ip in 10.0.0.0/8 && net.dst.ip == ::1', TCP)).toEqual({
      kind: 'and',
      items: [p('net.src.ip', 'in', { cidr: '10.0.0.0/8' }), p('net.dst.ip', '==', '::1')],
    });
  });
});
