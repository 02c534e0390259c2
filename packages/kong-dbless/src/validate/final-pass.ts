/**
 * Kong's final DB-less pass (`flatten` after `validate_references`): the other `unique` fields are checked and
 * the flat entity map of the 201 body is built — collection → id → entity, every field present (null when
 * unset) and foreign keys as `{ id }`.
 */
import { type ErrTable, type Index, type Node, resolveForeign } from './declarative.ts';
import type { EntityType } from './entities/registry.ts';
import { isPlainObject, type Rec } from './schema.ts';
import type { FlattenedEntities } from './types.ts';

export interface FinalPass {
  /** The 201 body; undefined when it was not asked for. */
  entities: FlattenedEntities | undefined;
  count: number;
  errors?: ErrTable;
}

/**
 * Checks the `unique` fields and, given the clock (`now`, seconds), builds the flat entities with their
 * timestamps. A validated record already has every field in schema order, so it becomes the output entity in
 * place (timestamps set, foreign keys resolved) instead of being copied; without `now` it only counts.
 */
export function finalPass(index: Index, now: number | undefined): FinalPass {
  const emit = now !== undefined;
  const entities: FlattenedEntities = {};
  let errs: ErrTable | undefined;
  const seen = new Map<EntityType, Set<string>[]>();
  const compositeIds = new Map<EntityType, Set<string>>();
  let count = 0;
  for (const node of index.order) {
    const type = node.type;
    if (type.uniqueList.length > 0) {
      let sets = seen.get(type);
      if (!sets) {
        sets = type.uniqueList.map(() => new Set<string>());
        seen.set(type, sets);
      }
      for (let u = 0; u < type.uniqueList.length; u++) {
        const unique = type.uniqueList[u]!;
        if (unique.checkedAsKey) continue;
        const value = outputValue(index, node, unique.name, unique.reference);
        if (value === null) continue;
        const key = pkPart(value);
        const set = sets[u]!;
        if (set.has(key)) {
          // Kong resets the collection's error table on every hit (`errs[entity] = errors[entity] or {}`
          // reads an unrelated table), so only the last violation of a collection is reported.
          errs = errs ?? {};
          errs[type.name] = {
            [violationKey(index, node, unique.index)]:
              `uniqueness violation: '${type.name}' entity with ${unique.name} set to '${String(value)}' already declared`,
          };
        }
        set.add(key);
      }
    }
    count += countOnce(compositeIds, index, node);
    if (!emit) continue;
    const p = node.processed;
    if (type.hasCreatedAt && p.created_at === null) p.created_at = now;
    if (type.hasUpdatedAt && p.updated_at === null) p.updated_at = now;
    const flat = type.emitInPlace ? resolveInPlace(index, node) : copyResolved(index, node);
    let collection = entities[type.name];
    if (!collection) {
      collection = {};
      entities[type.name] = collection;
    }
    collection[entityKey(type, flat)] = flat;
  }
  const result: FinalPass = { entities: emit ? entities : undefined, count };
  if (errs) result.errors = errs;
  return result;
}

/** The value a field has in the output entity: null when unset, a foreign key resolved to `{ id }`. */
function outputValue(index: Index, node: Node, name: string, reference: string | undefined): unknown {
  const value = node.processed[name];
  if (value === undefined) return null;
  return reference === undefined ? value : resolveForeign(index, reference, value);
}

/** The foreign keys resolved on the record itself; it already has every output field in order. */
function resolveInPlace(index: Index, node: Node): Rec {
  const p = node.processed;
  for (const { field, reference } of node.type.foreignList) {
    const value = p[field];
    p[field] = value === undefined ? null : resolveForeign(index, reference, value);
  }
  return p;
}

/** A new entity with the base schema's fields (a subschema with other fields was active). */
function copyResolved(index: Index, node: Node): Rec {
  const type = node.type;
  return type.schema.make(
    type.schema.names.map((name) => outputValue(index, node, name, type.foreign.get(name))),
  );
}

function entityKey(type: EntityType, flat: Rec): string {
  if (type.primaryKey.length === 1) return String(flat.id);
  return type.primaryKey.map((k) => pkPart(flat[k])).join(':');
}

function pkPart(value: unknown): string {
  return isPlainObject(value) ? String(value.id) : String(value);
}

/** A composite primary key as its parts' ids (or values) joined, as the 201 body keys the entity. */
function compositeId(index: Index, node: Node): string {
  const type = node.type;
  return type.primaryKey.map((k) => pkPart(outputValue(index, node, k, type.foreign.get(k)))).join(':');
}

/** 1 unless a composite primary key repeats one already counted (the later entity replaces it in the body). */
function countOnce(compositeIds: Map<EntityType, Set<string>>, index: Index, node: Node): number {
  const type = node.type;
  if (type.primaryKey.length === 1) return 1;
  let ids = compositeIds.get(type);
  if (!ids) {
    ids = new Set();
    compositeIds.set(type, ids);
  }
  const id = compositeId(index, node);
  if (ids.has(id)) return 0;
  ids.add(id);
  return 1;
}

/**
 * The key of a late uniqueness error: the endpoint key, else the id, as far as Kong's entity copy had been
 * filled when the field at `fieldIndex` was checked (fields are copied in schema order).
 */
function violationKey(index: Index, node: Node, fieldIndex: number): string {
  const type = node.type;
  const names = type.schema.names;
  const filled = (name: string): unknown => {
    const at = names.indexOf(name);
    return at >= 0 && at <= fieldIndex ? outputValue(index, node, name, type.foreign.get(name)) : undefined;
  };
  return (type.endpointKey && (filled(type.endpointKey) as string)) || String(filled('id'));
}

/**
 * Everything of a valid config's entities that must be unique across a whole config Kong loads: each entity's
 * primary key (not a random id, which names nothing), its endpoint key when that is unique, and its other `unique`
 * fields, one string each (`collection`, the field, the value). Two configs that each pass validation pass as one
 * config when none of their strings repeat (see `validateDeclarativeParts`).
 */
export function uniqueKeysOf(index: Index): string[] {
  const keys: string[] = [];
  for (const node of index.order) {
    const type = node.type;
    if (type.primaryKey.length > 1) keys.push(`${type.name}\u0000#\u0000${compositeId(index, node)}`);
    else if (!node.randomId)
      keys.push(`${type.name}\u0000#\u0000${String(node.processed[type.primaryKey[0]!])}`);
    const endpointKey = type.endpointKeyUnique ? node.processed[type.endpointKey!] : undefined;
    if (typeof endpointKey === 'string') keys.push(`${type.name}\u0000=\u0000${endpointKey}`);
    for (const unique of type.uniqueList) {
      if (unique.checkedAsKey) continue;
      const value = outputValue(index, node, unique.name, unique.reference);
      if (value === null) continue;
      keys.push(`${type.name}\u0000${unique.name}\u0000${pkPart(value)}`);
    }
  }
  return keys;
}
