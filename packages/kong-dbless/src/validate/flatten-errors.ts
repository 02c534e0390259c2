/**
 * Kong's `flatten_errors` (kong/db/errors.lua): walks the nested error tree alongside the input, hoists every
 * failing entity (nested children included) into a flat list and drains what it hoisted from the tree.
 * Errors keyed by name or id instead of an array index (invalid references, late uniqueness checks) cannot
 * be matched to an input element and are dropped, as Kong drops them.
 */
import type { Registry } from './entities/registry.ts';
import { isPlainObject, type Rec } from './schema.ts';
import type { FlattenedError, FlattenedErrorItem } from './types.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INDEX_RE = /^[1-9]\d*$/;

function sortedKeys(table: Rec): string[] {
  return Object.keys(table).sort((a, b) => {
    const na = INDEX_RE.test(a);
    const nb = INDEX_RE.test(b);
    if (na && nb) return Number(a) - Number(b);
    if (na !== nb) return na ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Arrays in the tree behave like Lua sequences (1-based keys). */
function asTable(node: unknown): Rec | undefined {
  if (Array.isArray(node)) {
    const table: Rec = {};
    node.forEach((v, i) => {
      if (v !== null && v !== undefined) table[String(i + 1)] = v;
    });
    return table;
  }
  return isPlainObject(node) ? node : undefined;
}

function singular(noun: string): string {
  return noun.endsWith('s') ? noun.slice(0, -1) : noun;
}

function validName(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function validId(v: unknown): string | undefined {
  return typeof v === 'string' && UUID_RE.test(v) ? v : undefined;
}

function validTags(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((t) => typeof t === 'string') ? (v as string[]) : undefined;
}

function join(ns: string, field: string): string {
  return ns === '' ? field : `${ns}.${field}`;
}

function categorize(errs: Rec, ns: string, out: FlattenedErrorItem[]): void {
  for (const field of sortedKeys(errs)) {
    const err = errs[field];
    delete errs[field];
    if (field === '@entity') {
      for (const message of Array.isArray(err) ? err : [err])
        out.push({ type: 'entity', message: String(message) });
    } else if (typeof err === 'string') out.push({ type: 'field', field: join(ns, field), message: err });
    else {
      const table = asTable(err);
      if (table) categorize(table, join(ns, field), out);
    }
  }
}

class Flattener {
  readonly out: FlattenedError[] = [];
  private readonly registry: Registry;
  constructor(registry: Registry) {
    this.registry = registry;
  }

  entity(type: string, entity: Rec, errNode: unknown): void {
    if (typeof errNode === 'string') {
      // A bare string slot: an entity-level problem found by the uniqueness checks.
      this.push(type, entity, [{ type: 'entity', message: errNode }]);
      return;
    }
    const errs = asTable(errNode);
    if (!errs || Object.keys(errs).length === 0) return;
    const meta = this.registry.byName.get(type);
    const pk = validId(entity.id) ? { id: entity.id as string } : undefined;
    if (meta) {
      for (const [field, reference] of meta.foreign) {
        const value = entity[field];
        if (!isPlainObject(value)) continue;
        const fieldErr = errs[field];
        const ref = validId(value.id) ? { id: value.id as string } : undefined;
        if (ref) entity[field] = ref;
        else delete entity[field];
        delete errs[field];
        this.entity(reference, value, fieldErr);
      }
      for (const [childName, linkField] of meta.children) {
        const value = entity[childName];
        if (!Array.isArray(value) && !isPlainObject(value)) continue;
        delete entity[childName];
        const fieldErr = asTable(errs[childName]);
        delete errs[childName];
        if (!fieldErr || !Array.isArray(value)) continue;
        value.forEach((item, i) => {
          if (!isPlainObject(item)) return;
          if (item[linkField] === undefined && pk) item[linkField] = pk;
          this.entity(childName, item, fieldErr[String(i + 1)]);
        });
      }
    }
    if (Object.keys(errs).length === 0) return;
    const items: FlattenedErrorItem[] = [];
    categorize(errs, '', items);
    if (items.length > 0) this.push(type, entity, items);
  }

  private push(type: string, entity: Rec, errors: FlattenedErrorItem[]): void {
    const entry: FlattenedError = { entity_type: singular(type), entity, errors };
    const name = validName(entity.name);
    const id = validId(entity.id);
    const tags = validTags(entity.tags);
    const ordered: FlattenedError = {
      ...(name !== undefined ? { entity_name: name } : {}),
      ...(id !== undefined ? { entity_id: id } : {}),
      ...(tags !== undefined ? { entity_tags: tags } : {}),
      ...entry,
    };
    this.out.push(ordered);
  }
}

/**
 * Flattens `errs` (mutated: hoisted errors are drained) against `input` (mutated: children removed, parent
 * links injected). Pass copies.
 */
export function flattenErrors(input: Rec, errs: Rec, registry: Registry): FlattenedError[] {
  const flattener = new Flattener(registry);
  for (const section of sortedKeys(errs)) {
    const sectionErrors = errs[section];
    const entities = input[section];
    const table = asTable(sectionErrors);
    if (!table || typeof sectionErrors === 'string' || !Array.isArray(entities)) continue;
    delete errs[section];
    for (const key of sortedKeys(table)) {
      const entity = INDEX_RE.test(key) ? entities[Number(key) - 1] : undefined;
      if (isPlainObject(entity)) flattener.entity(section, entity, table[key]);
    }
  }
  return flattener.out;
}
