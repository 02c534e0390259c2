/**
 * One Kong spec assertion (a case's `checks` item) evaluated on an answer, as the case README defines
 * the ops. Returns undefined when it holds, else why not; throws `NotComparable` when it cannot be judged.
 */
import { luaFind, luaNormalize, luaSame } from './lua.ts';

export interface Check {
  on: 'status' | 'json';
  path?: (string | number)[];
  op?: string;
  value?: unknown;
  plain?: boolean;
  /** Assertions the spec falls back to when this one fails (a pcall'd assert); the check holds if one does. */
  alternatives?: Check[];
}

export class NotComparable extends Error {}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Follows a case path: object keys, Lua's 1-based positions, `by_tag:<tag>` over flattened entries. */
export function resolvePath(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === undefined || node === null) return undefined;
    if (typeof key === 'string' && key.startsWith('by_tag:')) {
      const tag = key.slice('by_tag:'.length);
      node = Array.isArray(node)
        ? node.find((e) => isRec(e) && isRec(e.entity) && (e.entity.tags as unknown[])?.[0] === tag)
        : undefined;
    } else if (typeof key === 'number') {
      node = Array.isArray(node) ? node[key - 1] : isRec(node) ? node[String(key)] : undefined;
    } else node = isRec(node) ? node[key] : undefined;
  }
  return node;
}

const show = (v: unknown) => (v === undefined ? 'nil' : JSON.stringify(v));

function stringLeaves(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(stringLeaves);
  if (isRec(v)) return Object.values(v).flatMap(stringLeaves);
  return [];
}

export function evaluate(check: Check, body: unknown): string | undefined {
  const why = evaluateOne(check, body);
  if (why === undefined || !check.alternatives) return why;
  return check.alternatives.every((alt) => evaluateOne(alt, body) !== undefined) ? why : undefined;
}

function evaluateOne(check: Check, body: unknown): string | undefined {
  const path = check.path ?? [];
  const actual = resolvePath(body, path);
  const where = path.join('.') || '(body)';
  switch (check.op) {
    case 'same':
      // The case files write Lua's nil as JSON null (`assert.same(nil, err)`, 07-plugins_spec.lua:87): an
      // absent value is that nil, a JSON null in the answer (cjson.null) is not.
      if (check.value === null)
        return actual === undefined ? undefined : `${where}: expected nil, got ${show(actual)}`;
      return luaSame(actual, check.value)
        ? undefined
        : `${where}: expected ${show(check.value)}, got ${show(actual)}`;
    case 'matches': {
      const pattern = String(check.value);
      let ok: boolean;
      try {
        ok = stringLeaves(actual).some((s) => luaFind(s, pattern, check.plain === true));
      } catch (err) {
        throw new NotComparable(`pattern ${pattern}: ${(err as Error).message}`);
      }
      return ok ? undefined : `${where}: ${show(actual)} does not match ${pattern}`;
    }
    // Lua truthiness: only nil and false are falsy (a JSON null decodes to cjson.null, which is truthy).
    case 'truthy':
      return actual !== undefined && actual !== false
        ? undefined
        : `${where}: expected truthy, got ${show(actual)}`;
    case 'falsy':
      return actual === undefined || actual === false
        ? undefined
        : `${where}: expected falsy, got ${show(actual)}`;
    case 'not_nil':
      return actual !== undefined ? undefined : `${where}: expected a value, got nil`;
    case 'is_nil':
      return actual === undefined ? undefined : `${where}: expected nil, got ${show(actual)}`;
    case 'is_table':
      return typeof actual === 'object' && actual !== null
        ? undefined
        : `${where}: expected a table, got ${show(actual)}`;
    case 'is_string':
      return typeof actual === 'string' ? undefined : `${where}: expected a string, got ${show(actual)}`;
    case 'len': {
      const n = Array.isArray(actual)
        ? actual.length
        : typeof actual === 'string'
          ? actual.length
          : undefined;
      return n === check.value ? undefined : `${where}: expected length ${show(check.value)}, got ${show(n)}`;
    }
    case 'same_fmt_entity_id': {
      // The entry is the flattened entry the path's `by_tag:` step selected.
      const at = path.findIndex((k) => typeof k === 'string' && k.startsWith('by_tag:'));
      if (at < 0) throw new NotComparable('same_fmt_entity_id without a by_tag step');
      const entry = resolvePath(body, path.slice(0, at + 1));
      const id = isRec(entry) ? entry.entity_id : undefined;
      const expected = String(check.value).replace('%s', String(id));
      return actual === expected ? undefined : `${where}: expected ${show(expected)}, got ${show(actual)}`;
    }
    case 'flat_validate':
      return flatValidate(actual, check.value);
    case 'flat_unit':
      return flatUnit(actual, check.value);
    default:
      throw new NotComparable(`unknown op ${String(check.op)}`);
  }
}

/** A JSON text of a value with its object keys sorted: Lua tables have no key order, so neither may the key. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRec(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

const sortErrors = (errors: unknown) =>
  Array.isArray(errors) ? errors.map((e) => canonicalJson(luaNormalize(e))).sort() : errors;

/**
 * `15-off_spec`'s `validate()`: entries correlated by `entity.tags[0]`; ids and foreign keys compared only
 * where the expectation has them; `errors` order-insensitive; no unexpected entries.
 */
function flatValidate(actual: unknown, expected: unknown): string | undefined {
  if (!Array.isArray(actual)) return `flattened_errors: expected a list, got ${show(actual)}`;
  const want = expected as Rec[];
  if (actual.length !== want.length)
    return `flattened_errors: expected ${want.length} entries, got ${actual.length}`;
  for (const exp of want) {
    const tag = (exp.entity as Rec | undefined)?.tags as string[] | undefined;
    const got = actual.find(
      (e) => isRec(e) && isRec(e.entity) && (e.entity.tags as unknown[])?.[0] === tag?.[0],
    );
    if (!isRec(got)) return `flattened_errors: no entry tagged ${show(tag?.[0])}`;
    // compare_field: ids and foreign keys are compared only where the expectation names them, and an
    // expected ngx.null (JSON null here) means "absent" (15-off_spec.lua's `entity_id = ngx.null`).
    const trimmed: Rec = { ...got, errors: sortErrors(got.errors) };
    const wanted: Rec = { ...exp, errors: sortErrors(exp.errors) };
    if (exp.entity_id === undefined) delete trimmed.entity_id;
    if (exp.entity_id === null) delete wanted.entity_id;
    const entity: Rec = { ...(got.entity as Rec) };
    const expEntity: Rec = { ...(exp.entity as Rec) };
    for (const [k, v] of Object.entries(entity)) {
      const isKey = k === 'id' || (isRec(v) && Object.keys(v).length === 1 && v.id !== undefined);
      if (isKey && expEntity[k] === undefined) delete entity[k];
    }
    for (const [k, v] of Object.entries(expEntity)) if (k === 'id' && v === null) delete expEntity[k];
    trimmed.entity = entity;
    wanted.entity = expEntity;
    if (!luaSame(trimmed, wanted))
      return `flattened entry ${show(tag?.[0])}: expected ${show(wanted)}, got ${show(trimmed)}`;
  }
  return undefined;
}

/** `05-error-flattening_spec`: entries correlated by type, name, id and tags, then equal with `errors` sorted. */
function flatUnit(actual: unknown, expected: unknown): string | undefined {
  if (!Array.isArray(actual)) return `flattened_errors: expected a list, got ${show(actual)}`;
  const want = expected as Rec[];
  if (actual.length !== want.length)
    return `flattened_errors: expected ${want.length} entries, got ${actual.length}`;
  const keyOf = (e: Rec) =>
    JSON.stringify([e.entity_type, e.entity_name, e.entity_id, luaNormalize(e.entity_tags)]);
  for (const exp of want) {
    const got = actual.find((e) => isRec(e) && keyOf(e) === keyOf(exp));
    if (!isRec(got)) return `flattened_errors: no entry ${keyOf(exp)}`;
    const a = { ...got, errors: sortErrors(got.errors) };
    const b = { ...exp, errors: sortErrors(exp.errors) };
    if (!luaSame(a, b)) return `flattened entry ${keyOf(exp)}: expected ${show(b)}, got ${show(a)}`;
  }
  return undefined;
}
