/**
 * Route path rules (`typedefs.router_paths` + `validate_path_with_regexes` in Kong's routes schema):
 * prefix paths must be normalized, regex paths (`~` prefix) must compile.
 */
import { BoundedMemo } from '../../memo.ts';
import type { Field } from '../schema.ts';

const UNRESERVED_RE = /[A-Za-z0-9\-._~]/;
/** What `normalizePath` can change: an escape, or a `.`/`..` segment. */
const MAY_CHANGE_RE = /%|(?:^|\/)\.\.?(?:\/|$)/;

/** Kong's `normalize(path)`: decode escaped unreserved characters, upper-case other escapes, resolve dot segments. */
export function normalizePath(path: string): string {
  if (!MAY_CHANGE_RE.test(path)) return path;
  const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED_RE.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
  const input = decoded.split('/');
  const output: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const segment = input[i]!;
    const last = i === input.length - 1;
    if (segment === '.') {
      if (last) output.push('');
    } else if (segment === '..') {
      if (output.length > 1) output.pop();
      if (last) output.push('');
    } else output.push(segment);
  }
  return output.join('/');
}

/** Compiles a regex the way the router will (PCRE); returns the engine's error text. */
export function regexError(source: string): string | undefined {
  try {
    new RegExp(source.replace(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>'), 'u');
    return undefined;
  } catch (err) {
    try {
      new RegExp(source);
      return undefined;
    } catch {
      return (err as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /, '');
    }
  }
}

/**
 * Regex path → its regex's compile error, null when it compiles. Memoized: compiling costs microseconds and a
 * rebuilt config repeats its regex paths. Sized for the regex paths of a large config: a two-generation memo
 * smaller than the working set misses on every lookup (a 5.5 MB config of 120k paths compiled all of them on
 * every build with 50,000); entries cost memory only when that many distinct paths exist.
 */
const regexVerdicts = new BoundedMemo<string | null>(250_000);

/**
 * Regexes of printable ASCII without a character that can open, close, quantify or escape anything (`\ ( ) [ ]
 * { } * + ? |`), such as KIC's `~/prefix$` for every Prefix and Exact path: no such regex fails to compile, so
 * they are neither compiled nor kept (regexError agrees: test/validate/route-paths.test.ts).
 */
const PRINTABLE_ASCII_RE = /^[\x20-\x7e]*$/;
const OPENS_OR_QUANTIFIES_RE = /[\\()[\]{}*+?|]/;

/** Whether a regex surely compiles without compiling it. */
export function compilesAlways(regex: string): boolean {
  return PRINTABLE_ASCII_RE.test(regex) && !OPENS_OR_QUANTIFIES_RE.test(regex);
}

/** The compile error of a regex path's regex (the path after `~`). */
function pathRegexError(_scope: string, path: string | undefined): string | null {
  return regexError(path!.slice(1)) ?? null;
}

const BAD_ESCAPE_RE = /%(?![0-9A-Fa-f]{2})(.{0,2})/;

/**
 * JavaScript's compile errors → PCRE2's (pcre2_compile.c's message table) for the syntax errors both engines
 * find; others keep JavaScript's wording.
 */
const PCRE2_MESSAGES: readonly [RegExp, string][] = [
  [/^Unterminated group$/, 'missing closing parenthesis'],
  [/^Unmatched '\)'$/, 'unmatched closing parenthesis'],
  [/^Unterminated character class$/, 'missing terminating ] for character class'],
  [/^Nothing to repeat$/, 'quantifier does not follow a repeatable item'],
  [/^numbers out of order in \{\} quantifier$/, 'numbers out of order in {} quantifier'],
  [/^Range out of order in character class$/, 'range out of order in character class'],
  [/^\\ at end of pattern$/, '\\ at end of pattern'],
];

/** What OpenResty's `ngx.re` (PCRE2) says when a regex does not compile. */
function pcreCompileError(regex: string, jsMessage: string): string {
  const message = PCRE2_MESSAGES.find(([js]) => js.test(jsMessage))?.[1] ?? jsMessage;
  return `pcre2_compile() failed: ${message} in "${regex}"`;
}

function validateRoutePath(value: string): string | undefined {
  const badEscape = value.includes('%') ? BAD_ESCAPE_RE.exec(value) : null;
  if (badEscape) return `invalid url-encoded value: '${badEscape[0]}'`;
  if (!value.startsWith('~')) {
    const normalized = normalizePath(value);
    return normalized === value ? undefined : `non-normalized path, consider use '${normalized}' instead`;
  }
  if (compilesAlways(value.slice(1))) return undefined;
  const err = regexVerdicts.get('pcre', value, undefined, pathRegexError);
  if (err === null) return undefined;
  const regex = value.slice(1);
  return `invalid regex: '${regex}' (PCRE returned: ${pcreCompileError(regex, err)})`;
}

export const routePath: Field = {
  type: 'string',
  matchNone: [{ pattern: /\/\//, err: 'must not have empty segments' }],
  custom: (v: string) =>
    v.startsWith('/') || v.startsWith('~/')
      ? validateRoutePath(v)
      : 'should start with: / (fixed path) or ~/ (regex path)',
};

const RUST_UNSUPPORTED: readonly [RegExp, string][] = [
  [/\(\?<?[=!]/, 'look-around, including look-ahead and look-behind, is not supported'],
  [/\\[1-9]|\\k</, 'backreferences are not supported'],
  [/\(\?>/, 'atomic groups are not supported'],
  [/[*+?}][+]/, 'possessive quantifiers are not supported'],
];

/**
 * The ATC (Rust `regex`) check the `traditional_compatible` and `expressions` flavors add: regex paths must
 * also be valid Rust regexes (no look-around, no back-references).
 */
export function atcRegexError(paths: readonly string[] | null | undefined): string | undefined {
  if (!paths) return undefined;
  for (const p of paths) {
    if (!p.startsWith('~')) continue;
    // Tested on the whole path: no pattern can match across the leading `~`.
    for (const [pattern, message] of RUST_UNSUPPORTED) {
      if (pattern.test(p)) {
        return `Router Expression failed validation: regex parse error:\n    ^${p.slice(1)}\nerror: ${message}`;
      }
    }
  }
  return undefined;
}
