/**
 * The validation half of the schema engine (`kong/db/schema/init.lua`): field types, validators, defaults and
 * entity checks against the schemas of schema.ts. Validating an entity walks its schema by index without
 * allocating closures, and each record is created by its schema's fixed-shape constructor, so a config of
 * tens of thousands of entities stays linear and cheap for the garbage collector.
 */
import {
  type Field,
  type FieldType,
  isEmptyObject,
  isPlainObject,
  isSequence,
  MSG,
  type Rec,
  type RecordSchema,
} from './schema.ts';
import { literalFactory } from './shape.ts';

const TYPE_MESSAGES: Record<FieldType, string> = {
  string: 'expected a string',
  integer: 'expected an integer',
  number: 'expected a number',
  boolean: 'expected a boolean',
  array: 'expected an array',
  set: 'expected a set',
  map: 'expected a map',
  record: 'expected a record',
  foreign: 'expected a string',
  any: '',
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function luaString(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  return String(value);
}

/** Error sink of one record: field → message or nested tree; `@entity` → messages. */
export type FieldErrors = Record<string, unknown>;

/**
 * Validates one field value; returns the error (string or nested tree) or undefined. `out.value` receives the
 * processed value (defaults applied, sets de-duplicated) when valid.
 */
export function validateField(field: Field, value: unknown, out: { value: unknown }): unknown {
  if (value === undefined || value === null) {
    // Kong fills defaults only for absent fields (`handle_missing_field` on nil): an explicit null stays null,
    // so a required field given null fails even when it has a default.
    if (field.default !== undefined && (value === undefined || field.type === 'record')) {
      out.value = copyOfDefault(field);
      return undefined;
    }
    if (field.type === 'record' && field.record && !field.nullable) {
      // Kong fills absent records with their own defaults (process_auto_fields). The result depends on the
      // schema alone, so once it validated, later absent records get a copy of it.
      const copy = absentRecords.get(field);
      if (copy) {
        out.value = copy();
        return undefined;
      }
      const nested: { value: unknown } = { value: null };
      const err = validateRecord(field.record, {}, nested, true);
      if (err) return field.required ? err : undefined;
      const factory = literalFactory(nested.value);
      if (factory) absentRecords.set(field, factory);
      out.value = nested.value;
      return undefined;
    }
    if (field.required) return MSG.required;
    out.value = null;
    return undefined;
  }
  if (field.mustBeNull) return field.err ?? MSG.mustBeNull;

  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') return TYPE_MESSAGES.string;
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return TYPE_MESSAGES.integer;
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return TYPE_MESSAGES.number;
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return TYPE_MESSAGES.boolean;
      break;
    case 'array':
    case 'set':
      if (!isSequence(value)) return TYPE_MESSAGES[field.type];
      return validateSequence(field, Array.isArray(value) ? value : [], out);
    case 'map':
      // A non-empty JSON array is a Lua table with integer keys: Kong fails on the first key's type.
      if (Array.isArray(value) && value.length > 0 && field.keys?.type === 'string')
        return TYPE_MESSAGES.string;
      if (!isPlainObject(value) && !(Array.isArray(value) && value.length === 0)) return TYPE_MESSAGES.map;
      if (field.lenEq === 0 && isPlainObject(value) && !isEmptyObject(value))
        return field.err ?? 'length must be 0';
      return validateMap(field, isPlainObject(value) ? value : {}, out);
    case 'record':
      if (!isPlainObject(value) && !(Array.isArray(value) && value.length === 0)) return TYPE_MESSAGES.record;
      {
        const recordErr = validateRecord(field.record!, isPlainObject(value) ? value : {}, out, false);
        if (recordErr !== undefined || !field.custom) return recordErr;
        return (field.custom as (v: unknown) => string | undefined)(out.value);
      }
    case 'foreign':
      return validateForeign(field, value, out);
    case 'any':
      out.value = value;
      return undefined;
  }
  const scalarErr = validateScalar(field, value as string | number | boolean);
  if (scalarErr !== undefined) return scalarErr;
  out.value = value;
  return undefined;
}

function validateScalar(field: Field, value: string | number | boolean): string | undefined {
  if (typeof value === 'string') {
    const min = field.lenMin ?? 1;
    if (value.length < min) return field.err ?? `length must be at least ${min}`;
    if (field.lenMax !== undefined && value.length > field.lenMax)
      return field.err ?? `length must be at most ${field.lenMax}`;
  }
  if (typeof value === 'number') {
    if (field.between && (value < field.between[0] || value > field.between[1]))
      return field.err ?? `value should be between ${field.between[0]} and ${field.between[1]}`;
    if (field.gt !== undefined && !(value > field.gt))
      return field.err ?? `value must be greater than ${field.gt}`;
  }
  if (field.ne !== undefined && value === field.ne)
    return field.err ?? `value must not be ${luaString(field.ne)}`;
  if (typeof value === 'string') {
    if (field.match && !field.match.test(value)) return field.err ?? `invalid value: ${value}`;
    if (field.matchNone) {
      for (const rule of field.matchNone) if (rule.pattern.test(value)) return rule.err;
    }
    if (field.startsWith !== undefined && !value.startsWith(field.startsWith))
      return field.err ?? `should start with: ${field.startsWith}`;
  }
  if (field.oneOf && !field.oneOf.includes(value as string | number))
    return field.err ?? `expected one of: ${field.oneOf.join(', ')}`;
  if (field.uuid && !UUID_RE.test(value as string)) return MSG.uuid;
  if (field.custom) return (field.custom as (v: unknown) => string | undefined)(value);
  return undefined;
}

function validateSequence(field: Field, items: unknown[], out: { value: unknown }): unknown {
  if (field.mustBeNull || field.lenEq === 0) {
    if (items.length > 0) return field.err ?? (field.mustBeNull ? MSG.mustBeNull : 'length must be 0');
  }
  if (field.lenMin !== undefined && items.length < field.lenMin)
    return field.err ?? `length must be at least ${field.lenMin}`;
  if (field.lenMax !== undefined && items.length > field.lenMax)
    return field.err ?? `length must be at most ${field.lenMax}`;
  const elements = field.elements;
  let errors: Record<string, unknown> | undefined;
  const processed: unknown[] = new Array(items.length);
  // `out` doubles as the element slot: the caller reads it only after this function returns.
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!elements) {
      processed[i] = item;
      continue;
    }
    out.value = item;
    const err =
      item === null || item === undefined
        ? elements.type === 'record'
          ? TYPE_MESSAGES.record
          : TYPE_MESSAGES[elements.type] || MSG.required
        : validateField(elements, item, out);
    if (err !== undefined) {
      if (errors === undefined) errors = {};
      errors[String(i + 1)] = err;
    } else processed[i] = out.value;
  }
  if (errors) return errors;
  let result = processed;
  if (field.type === 'set') result = dedupe(processed);
  if (field.exclusiveSubsets) {
    const err = exclusiveSubsetsError(
      field.exclusiveSubsets,
      result as string[],
      field.exclusiveNamesMembers === true,
    );
    if (err) return field.err ?? err;
  }
  if (field.custom) {
    const err = (field.custom as (v: unknown) => string | undefined)(result);
    if (err) return err;
  }
  out.value = result;
  return undefined;
}

/**
 * A set's elements without repeats, first occurrences kept: objects are equal when their JSON is, other values
 * when type and string form are. Returns `items` itself when nothing repeats (the common case).
 */
function dedupe(items: unknown[]): unknown[] {
  if (items.length < 2) return items;
  if (items.length > 16) return dedupeByKey(items);
  for (let i = 1; i < items.length; i++) {
    for (let j = 0; j < i; j++) if (sameSetElement(items[i], items[j])) return dedupeByKey(items);
  }
  return items;
}

function sameSetElement(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const type = typeof a;
  if (type !== typeof b || type === 'string' || type === 'boolean') return false;
  return type === 'object' ? JSON.stringify(a) === JSON.stringify(b) : String(a) === String(b);
}

function dedupeByKey(items: unknown[]): unknown[] {
  const seen = new Set<string>();
  const result: unknown[] = [];
  for (const item of items) {
    const key = typeof item === 'object' ? JSON.stringify(item) : `${typeof item}:${String(item)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(item);
  }
  return result;
}

function exclusiveSubsetsError(
  subsets: readonly (readonly string[])[],
  values: string[],
  namesMembers: boolean,
): string | undefined {
  let found: readonly string[] | undefined;
  for (const value of values) {
    const subset = subsets.find((s) => s.includes(value));
    if (!subset) continue;
    if (found && found !== subset) {
      // Kong 3.10 names only the subsets the value has members of; 3.9 names them all.
      const list = subsets
        .filter((s) => !namesMembers || s.some((v) => values.includes(v)))
        .map((s) => `(${s.map((v) => `'${v}'`).join(', ')})`)
        .join(', ');
      return `these sets are mutually exclusive: ${list}`;
    }
    found = subset;
  }
  return undefined;
}

/** Kong's map check returns the first key or value error as the map's own error, not keyed by entry. */
function validateMap(field: Field, value: Rec, out: { value: unknown }): unknown {
  const processed: Rec = {};
  const slot = { value: undefined as unknown };
  for (const key in value) {
    if (field.keys) {
      const keyErr = validateField(field.keys, key, slot);
      if (keyErr !== undefined) return keyErr;
    }
    if (field.values) {
      const valueErr = validateField(field.values, value[key], slot);
      if (valueErr !== undefined) return valueErr;
      processed[key] = slot.value;
    } else processed[key] = value[key];
  }
  out.value = processed;
  return undefined;
}

/** The schemas of the collections foreign keys name, while a config is being validated. */
let referencedSchemas: ((collection: string) => RecordSchema | undefined) | undefined;

/** Runs `validate` with foreign keys checked against the referenced collections' schemas (one node's). */
export function withReferencedSchemas<T>(
  lookup: (collection: string) => RecordSchema | undefined,
  validate: () => T,
): T {
  const previous = referencedSchemas;
  referencedSchemas = lookup;
  try {
    return validate();
  } finally {
    referencedSchemas = previous;
  }
}

/**
 * A foreign key: a string (the declarative schema's `reference_foreign_by_name` makes top-level foreign
 * fields strings, hence `expected a string` for a number, 01-validate_spec.lua:677) or a table, validated as
 * Kong's validate_field does: its primary key (`id`; other keys ignored), and when that fails, the table as a
 * partial entity of the referenced schema, whose errors win (a nested `client_certificate` with an empty
 * `cert` gets the certificate's own messages, 05-error-flattening_spec.lua:5).
 */
function validateForeign(field: Field, value: unknown, out: { value: unknown }): unknown {
  if (typeof value === 'string') {
    out.value = value;
    return undefined;
  }
  if (!isPlainObject(value)) return TYPE_MESSAGES.string;
  const id = value.id;
  let pkError: string | undefined;
  if (id === undefined || id === false) pkError = MSG.missingPk;
  else if (id === null) pkError = MSG.required;
  else if (typeof id !== 'string') pkError = TYPE_MESSAGES.string;
  else if (!UUID_RE.test(id)) pkError = MSG.uuid;
  if (pkError === undefined) {
    out.value = { id };
    return undefined;
  }
  const schema = field.reference ? referencedSchemas?.(field.reference) : undefined;
  if (schema) {
    const entityErrors = validateRecord(
      schema,
      value,
      { value: undefined },
      false,
      undefined,
      undefined,
      true,
    );
    if (entityErrors !== undefined) return entityErrors;
  }
  return { id: pkError };
}

/** The subschema key's value, its default when absent (process_auto_fields runs first). */
function subschemaKeyValue(schema: RecordSchema, input: Rec): unknown {
  const key = input[schema.subschemaKey!];
  return key === undefined ? schema.byName.get(schema.subschemaKey!)?.default : key;
}

/** Kong's get_subschema: the key's value, or for a list the first item that names a subschema. */
function findSubschema(schema: RecordSchema, key: unknown): RecordSchema | undefined {
  if (typeof key === 'string') return schema.subschemas!.get(key);
  if (Array.isArray(key)) {
    for (const item of key) {
      const sub = typeof item === 'string' ? schema.subschemas!.get(item) : undefined;
      if (sub) return sub;
    }
  }
  return undefined;
}

function selectSchema(schema: RecordSchema, input: Rec): RecordSchema {
  if (!schema.subschemaKey || !schema.subschemas) return schema;
  return findSubschema(schema, subschemaKeyValue(schema, input)) ?? schema;
}

/** Schema:validate's early exit for a schema with a `subschema_error`: the key's error alone. */
function subschemaKeyError(schema: RecordSchema, input: Rec): FieldErrors | undefined {
  if (schema.subschemaError === undefined || !schema.subschemaKey || !schema.subschemas) return undefined;
  const key = subschemaKeyValue(schema, input);
  if (key === undefined || key === null) return { [schema.subschemaKey]: MSG.required };
  if (findSubschema(schema, key)) return undefined;
  const shown = Array.isArray(key) ? key[0] : key;
  return { [schema.subschemaKey]: schema.subschemaError.replace('%s', luaString(shown)) };
}

/**
 * Validates a record: unknown fields, every schema field, then the entity checks whose fields are valid.
 * Returns the error tree or undefined; `out.value` receives the processed record (every field of the active
 * schema present, in schema order; `omit` stays undefined). `defaultsOnly` processes an absent record (no
 * unknown-field pass). Keys in `skip` with a defined value are not reported as unknown (nested child
 * collections and `_comment`/`_ignore`, which the caller handles).
 */
export function validateRecord(
  schema: RecordSchema,
  input: Rec,
  out: { value: unknown },
  defaultsOnly = false,
  omit?: string,
  skip?: ReadonlySet<string>,
  partial = false,
): unknown {
  if (!defaultsOnly) {
    const keyError = subschemaKeyError(schema, input);
    if (keyError) return keyError;
  }
  const active = selectSchema(schema, input);
  const names = active.names;
  const defs = active.defs;
  const positions = active.positions;
  // One pass over the input's own keys collects the field values by position and finds the unknown keys;
  // enumerating keys is much cheaper than looking every schema field up by name.
  const values: unknown[] = new Array(names.length);
  let errors: FieldErrors | undefined;
  for (const key in input) {
    const at = positions.get(key);
    if (at !== undefined) values[at] = input[key];
    else if (!defaultsOnly && key !== omit && !(skip?.has(key) && input[key] !== undefined)) {
      if (errors === undefined) errors = {};
      errors[key] = MSG.unknown;
    }
  }
  // `out` doubles as the field slot: the caller reads it only after this function returns.
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    // A partial entity (Kong's validate with full_check false) checks only the fields it has.
    if (name === omit || (partial && values[i] === undefined)) {
      values[i] = undefined;
      continue;
    }
    out.value = null;
    const err = validateField(defs[i]!, values[i], out);
    if (err !== undefined) {
      if (errors === undefined) errors = {};
      errors[name] = err;
      values[i] = undefined;
    } else values[i] = out.value;
  }
  const processed = active.make(values);
  // The entity checks of a partial entity are not modelled; it is only ever an error message's source.
  const checks = partial ? [] : active.checks;
  for (let c = 0; c < checks.length; c++) {
    const check = checks[c]!;
    if (errors !== undefined && anyKeyDefined(errors, check.fields)) continue;
    if (!check.runWithMissing && check.fields.length > 0 && anyValueUndefined(processed, check.fields))
      continue;
    const failure = check.run(processed);
    if (failure === undefined) continue;
    if (errors === undefined) errors = {};
    if (typeof failure === 'string') pushEntityError(errors, failure);
    else {
      if (failure.entity) pushEntityError(errors, failure.entity);
      setNestedError(errors, failure.field, failure.message);
    }
  }
  if (errors) return errors;
  out.value = processed;
  return undefined;
}

function anyKeyDefined(table: Rec, names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if (table[names[i]!] !== undefined) return true;
  return false;
}

function anyValueUndefined(table: Rec, names: readonly string[]): boolean {
  for (let i = 0; i < names.length; i++) if (table[names[i]!] === undefined) return true;
  return false;
}

/** Puts a message at a dotted path (`config.claims_to_verify`) unless something is already there. */
function setNestedError(errors: FieldErrors, path: string, message: string): void {
  const parts = path.split('.');
  let node = errors;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]!];
    if (next === undefined) {
      const created: FieldErrors = {};
      node[parts[i]!] = created;
      node = created;
    } else if (isPlainObject(next)) node = next;
    else return;
  }
  const leaf = parts[parts.length - 1]!;
  if (node[leaf] === undefined) node[leaf] = message;
}

export function pushEntityError(errors: FieldErrors, message: string): void {
  const list = (errors['@entity'] as string[] | undefined) ?? [];
  if (!list.includes(message)) list.push(message);
  errors['@entity'] = list;
}

/** Absent record field → a factory of copies of its processed defaults. */
const absentRecords = new WeakMap<Field, () => unknown>();
/** Field with an object or array default → a factory of copies of it. */
const defaultCopies = new WeakMap<Field, () => unknown>();

/** A fresh copy of the field's default: entities never share a default array or record. */
function copyOfDefault(field: Field): unknown {
  const value = field.default;
  if (value === null || typeof value !== 'object') return value;
  let copy = defaultCopies.get(field);
  if (!copy) {
    copy = literalFactory(value) ?? (() => cloneDefault(value));
    defaultCopies.set(field, copy);
  }
  return copy();
}

/** Defaults are small JSON values; a hand-rolled copy avoids structuredClone's cost. */
function cloneDefault(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneDefault);
  const copy: Rec = {};
  for (const key in value as Rec) copy[key] = cloneDefault((value as Rec)[key]);
  return copy;
}
