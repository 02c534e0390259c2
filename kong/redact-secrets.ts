import { REDACTED } from './redact-config.ts';

/**
 * Redaction by provenance: the translator records every string it copied out of a Secret
 * (`TranslateResult.secretValues`); a build keeps where those strings sit in its config as JSON
 * pointers (`BuildRecord.secretPaths`, not secret themselves); whoever shows anything derived from
 * the build — the debug config, a diff against a proxy, a log line, an Event, a job's data — reads
 * the values back at those paths and passes what it shows through `SecretRedactor`. Field names do
 * not matter: a bearer token under `headers.Authorization` is as secret as a `password`. Pure.
 */

/** Values shorter than this are replaced where they are a whole leaf, but not searched for inside text. */
const MIN_EMBEDDED = 3;

/** JSON pointers (RFC 6901) of the string leaves of `config` equal to a Secret-sourced value. */
export function secretPaths(config: unknown, values: ReadonlySet<string>): string[] {
  const out: string[] = [];
  if (values.size === 0) return out;
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') {
      if (values.has(value)) out.push(path);
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, `${path}/${i}`);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, `${path}/${escapePointer(key)}`);
    }
  };
  walk(config, '');
  return out;
}

/** The strings found at `paths` of `config` (paths that no longer resolve are skipped). */
export function valuesAt(config: unknown, paths: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const path of paths) {
    let node: unknown = config;
    for (const part of path.split('/').slice(1).map(unescapePointer)) {
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    }
    if (typeof node === 'string' && node !== '') out.add(node);
  }
  return out;
}

/** Replaces Secret-sourced values wherever they appear: as whole values, inside strings, inside text. */
export class SecretRedactor {
  /** One that knows no secrets (a build without Secret-sourced values). */
  static readonly none = new SecretRedactor(new Set());

  readonly #values: ReadonlySet<string>;
  readonly #embedded: RegExp | undefined;

  constructor(values: Iterable<string>) {
    this.#values = new Set([...values].filter((value) => value !== ''));
    this.#embedded = wholeTokenPattern([...this.#values].filter((value) => value.length >= MIN_EMBEDDED));
  }

  /** The redactor for a stored build: the values at its recorded secret paths. */
  static forConfig(config: unknown, paths: readonly string[] | undefined): SecretRedactor {
    return paths && paths.length > 0 ? new SecretRedactor(valuesAt(config, paths)) : SecretRedactor.none;
  }

  get size(): number {
    return this.#values.size;
  }

  /** A copy of `value` with every Secret-sourced string (or part of one) replaced by `[redacted]`. */
  redact<T>(value: T): T {
    if (this.#values.size === 0) return value;
    return this.#redact(value) as T;
  }

  /**
   * `text` with every Secret-sourced value in it replaced (for messages, log lines, Event notes). Inside text a
   * value is replaced where it stands as a whole token, so field names are left alone: a key-auth key `key` does
   * not turn `config.keys` into `config.[redacted]s`, nor a value `cookie` `hash_on_cookie_path` into
   * `hash_on_[redacted]_path`.
   */
  redactText(text: string): string {
    if (this.#values.has(text)) return REDACTED;
    return this.#embedded ? text.replace(this.#embedded, REDACTED) : text;
  }

  #redact(value: unknown): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (Array.isArray(value)) return value.map((item) => this.#redact(item));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.#redact(item)]));
    }
    return value;
  }
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescapePointer(part: string): string {
  return part.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * One pattern matching any of `values` where it stands as a whole token: a value beginning (ending) with a word
 * character must not have one right before (after) it. Longest first, so a value containing a shorter one is
 * replaced whole. Undefined for no values. Shared with kong/kong-errors.ts (values of rejected entities).
 */
export function wholeTokenPattern(values: readonly string[]): RegExp | undefined {
  if (values.length === 0) return undefined;
  const alternatives = [...values].sort((a, b) => b.length - a.length).map(wholeToken);
  return new RegExp(alternatives.join('|'), 'g');
}

function wholeToken(value: string): string {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const before = /^\w/.test(value) ? '(?<!\\w)' : '';
  const after = /\w$/.test(value) ? '(?!\\w)' : '';
  return `${before}${escaped}${after}`;
}
