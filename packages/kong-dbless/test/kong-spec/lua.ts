/**
 * The two bits of Lua the Kong spec cases are written in: busted's `assert.same` (deep equality of Lua
 * tables, where `{}` and `[]` are one value and `{"1": a, "2": b}` is the list `[a, b]`) and Lua patterns
 * (`string.find`/`string.match`), translated to JavaScript regular expressions.
 */

/** A JSON value as a Lua table would hold it: lists for `1..n` keys, trailing nulls dropped. */
export function luaNormalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out = value.map(luaNormalize);
    while (out.length > 0 && out[out.length - 1] === null) out.pop();
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const isList = keys.every((k, i) => k === String(i + 1));
    if (isList) return luaNormalize(keys.map((k) => (value as Record<string, unknown>)[k]));
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = luaNormalize((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** busted's `assert.same` on two decoded JSON values. */
export function luaSame(a: unknown, b: unknown): boolean {
  return deepEqual(luaNormalize(a), luaNormalize(b));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

const CLASSES: Record<string, string> = {
  a: 'A-Za-z',
  c: '\\x00-\\x1f\\x7f',
  d: '0-9',
  g: '\\x21-\\x7e',
  l: 'a-z',
  p: '!-\\/:-@\\[-`{-~',
  s: '\\t-\\r ',
  u: 'A-Z',
  w: 'A-Za-z0-9',
  x: 'A-Fa-f0-9',
};

/** A class escape (`%d`, `%S`, …) as the inside of a JS character class, or undefined for a literal. */
function classBody(letter: string): { body: string; negated: boolean } | undefined {
  const body = CLASSES[letter.toLowerCase()];
  if (body === undefined) return undefined;
  return { body, negated: letter !== letter.toLowerCase() };
}

const escapeJs = (ch: string) => ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/**
 * A Lua pattern as a JS RegExp (unanchored unless the pattern is). `%b` and `%f` are not translated:
 * they throw, and the caller reports the case as not comparable.
 */
export function luaPatternToRegExp(pattern: string): RegExp {
  let out = '';
  let i = 0;
  if (pattern.startsWith('^')) {
    out += '^';
    i = 1;
  }
  while (i < pattern.length) {
    const ch = pattern[i]!;
    let atom: string;
    if (ch === '%') {
      const next = pattern[i + 1];
      if (next === undefined) throw new Error('malformed pattern (ends with %)');
      if (next === 'b' || next === 'f') throw new Error(`Lua pattern item %${next} is not supported`);
      const cls = classBody(next);
      atom = cls ? (cls.negated ? `[^${cls.body}]` : `[${cls.body}]`) : escapeJs(next);
      i += 2;
    } else if (ch === '[') {
      let j = i + 1;
      let body = '';
      let negated = false;
      if (pattern[j] === '^') {
        negated = true;
        j++;
      }
      let first = true;
      while (j < pattern.length && (pattern[j] !== ']' || first)) {
        const c = pattern[j]!;
        first = false;
        if (c === '%') {
          const next = pattern[j + 1]!;
          const cls = classBody(next);
          if (cls?.negated) throw new Error('negated class inside a set is not supported');
          body += cls ? cls.body : escapeJs(next);
          j += 2;
        } else if (pattern[j + 1] === '-' && pattern[j + 2] !== undefined && pattern[j + 2] !== ']') {
          body += `${escapeJs(c)}-${escapeJs(pattern[j + 2]!)}`;
          j += 3;
        } else {
          body += escapeJs(c);
          j++;
        }
      }
      if (pattern[j] !== ']') throw new Error('malformed pattern (missing ])');
      atom = `[${negated ? '^' : ''}${body}]`;
      i = j + 1;
    } else if (ch === '$' && i === pattern.length - 1) {
      out += '$';
      i++;
      continue;
    } else if (ch === '.') {
      atom = '[\\s\\S]';
      i++;
    } else {
      atom = escapeJs(ch);
      i++;
    }
    const q = pattern[i];
    if (q === '*' || q === '+' || q === '?') {
      out += atom + q;
      i++;
    } else if (q === '-') {
      out += `${atom}*?`;
      i++;
    } else out += atom;
  }
  return new RegExp(out, 'u');
}

/** `string.find(s, pattern, 1, plain)` as a boolean. */
export function luaFind(s: string, pattern: string, plain: boolean): boolean {
  return plain ? s.includes(pattern) : luaPatternToRegExp(pattern).test(s);
}
