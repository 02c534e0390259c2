/**
 * Kong's expressions language (the ATC router's), in the forms KIC and users write: predicates
 * `field op value` over `http.path`, `http.host`, `http.method`, `http.headers.<name>`, `http.queries.<name>`,
 * `tls.sni`, `net.protocol`, `net.dst.port`, `net.src.ip` with `==`, `!=`, `~`, `^=`, `=^`, `in`, `not in`,
 * `contains`, `>`, `>=`, `<`, `<=`, the transforms `lower()` and `any()`, joined by `&&`, `||`, `!` and
 * parentheses. Strings are `"…"` (with `\` escapes) or raw `r#"…"#`.
 */

export type Value = string | number | { cidr: string };

export type Expr =
  | { kind: 'or' | 'and'; items: Expr[] }
  | { kind: 'not'; item: Expr }
  | { kind: 'predicate'; field: string; lower: boolean; any: boolean; op: string; value: Value; re?: RegExp };

type Token = { t: 'punct' | 'str' | 'bare'; v: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['&&', '||', '==', '!=', '^=', '=^', '>=', '<='].includes(two)) {
      tokens.push({ t: 'punct', v: two });
      i += 2;
      continue;
    }
    if ('()!~<>'.includes(c)) {
      tokens.push({ t: 'punct', v: c });
      i++;
      continue;
    }
    if (text.startsWith('r#"', i)) {
      const end = text.indexOf('"#', i + 3);
      if (end < 0) throw new Error('unterminated raw string');
      tokens.push({ t: 'str', v: text.slice(i + 3, end) });
      i = end + 2;
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') {
          const next = text[i + 1] ?? '';
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
          i += 2;
        } else value += text[i++];
      }
      if (text[i] !== '"') throw new Error('unterminated string');
      tokens.push({ t: 'str', v: value });
      i++;
      continue;
    }
    const bare = /^[A-Za-z0-9_.:/*-]+/.exec(text.slice(i));
    if (!bare) throw new Error(`unexpected character '${c}' at ${i}`);
    tokens.push({ t: 'bare', v: bare[0] });
    i += bare[0].length;
  }
  return tokens;
}

/** Parses one expression; throws on syntax it does not know (the validator has already accepted the text). */
export function parseExpression(text: string): Expr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (v?: string) => {
    const token = tokens[pos];
    if (!token || (v !== undefined && token.v !== v))
      throw new Error(`expected '${v ?? 'a token'}' at token ${pos}`);
    pos++;
    return token;
  };
  const orExpr = (): Expr => {
    const items = [andExpr()];
    while (peek()?.v === '||') {
      take();
      items.push(andExpr());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const andExpr = (): Expr => {
    const items = [unary()];
    while (peek()?.v === '&&') {
      take();
      items.push(unary());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const unary = (): Expr => {
    const token = peek();
    if (token?.t === 'punct' && token.v === '!') {
      take();
      return { kind: 'not', item: unary() };
    }
    if (token?.t === 'punct' && token.v === '(') {
      take();
      const inner = orExpr();
      take(')');
      return inner;
    }
    return predicate();
  };
  const lhs = (): { field: string; lower: boolean; any: boolean } => {
    const name = take().v;
    if ((name === 'lower' || name === 'any') && peek()?.v === '(') {
      take('(');
      const inner = lhs();
      take(')');
      return name === 'lower' ? { ...inner, lower: true } : { ...inner, any: true };
    }
    return { field: name, lower: false, any: false };
  };
  const predicate = (): Expr => {
    const side = lhs();
    let op = take().v;
    if (op === 'not') op = `not ${take('in').v}`;
    const raw = take();
    let value: Value = raw.v;
    if (raw.t === 'bare') value = /^-?\d+$/.test(raw.v) ? Number(raw.v) : { cidr: raw.v };
    const re = op === '~' ? new RegExp(String(value)) : undefined;
    return { kind: 'predicate', ...side, op, value, ...(re ? { re } : {}) };
  };
  const expr = orExpr();
  if (pos !== tokens.length) throw new Error(`unexpected '${tokens[pos]!.v}'`);
  return expr;
}
