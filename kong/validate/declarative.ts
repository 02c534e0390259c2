/**
 * The DB-less loader pipeline of `kong/db/schema/others/declarative_config.lua` (`flatten`): schema validation
 * of the nested document, deterministic ids, defaults, reference resolution, uniqueness, and the flat entity
 * map Kong stores and echoes in its 201 body.
 */
import { randomUUID } from 'node:crypto';
import { kongEntityId } from '../uuid.ts';
import type { EntityType, Registry } from './entities/registry.ts';
import { isPlainObject, isSequence, MSG, type Rec, validateRecord } from './schema.ts';

export interface Node {
  type: EntityType;
  /** The input item (after shorthand rewrites). */
  raw: Rec;
  processed: Rec;
  /** 0-based position in its array. */
  index: number;
  parent?: Node;
  /** The child's field that links to `parent` (`service` for a route nested in a service). */
  linkField?: string;
  groups: Group[];
  /** Deterministic id Kong derived (written into its copy of the input). */
  derivedId?: string;
}

export interface Group {
  type: EntityType;
  nodes: Node[];
}

export type ErrTable = Record<string, unknown>;

function setPath(errs: ErrTable, keys: readonly string[], value: unknown): void {
  let node = errs;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!;
    const next = node[key];
    if (isPlainObject(next)) node = next;
    else node = node[key] = {};
  }
  node[keys[keys.length - 1]!] = value;
}

/** Phase 1: validates one collection array; returns its error table (1-based keys) or undefined. */
export function validateCollection(
  registry: Registry,
  type: EntityType,
  items: unknown[],
  group: Group,
  parent?: Node,
  linkField?: string,
): ErrTable | undefined {
  let errors: ErrTable | undefined;
  const out = { value: undefined as unknown };
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isPlainObject(item)) {
      errors ??= {};
      errors[String(i + 1)] = 'expected a record';
      continue;
    }
    const raw: Rec = { ...item };
    let itemErrors: ErrTable | undefined;
    const shorthandError = type.preprocess?.(raw);
    const node: Node = { type, raw, processed: {}, index: i, groups: [] };
    if (parent) {
      node.parent = parent;
      node.linkField = linkField!;
    }
    for (const [childName, childLink] of type.children) {
      const childItems = raw[childName];
      if (childItems === undefined) continue;
      delete raw[childName];
      if (childItems === null) continue;
      const childType = registry.byName.get(childName)!;
      if (!isSequence(childItems)) {
        itemErrors ??= {};
        itemErrors[childName] = 'expected an array';
        continue;
      }
      const childGroup: Group = { type: childType, nodes: [] };
      node.groups.push(childGroup);
      const childErrors = validateCollection(
        registry,
        childType,
        Array.isArray(childItems) ? childItems : [],
        childGroup,
        node,
        childLink,
      );
      if (childErrors) {
        itemErrors ??= {};
        itemErrors[childName] = childErrors;
      }
    }
    if (raw._comment !== undefined) {
      if (typeof raw._comment !== 'string') (itemErrors ??= {})._comment = 'expected a string';
      delete raw._comment;
    }
    if (raw._ignore !== undefined) {
      if (!isSequence(raw._ignore)) (itemErrors ??= {})._ignore = 'expected an array';
      delete raw._ignore;
    }
    let omit: string | undefined;
    if (parent) {
      omit = linkField;
      const link = raw[linkField!];
      // A nested child must not name its parent: a string fails like Kong's first pass (eq = null); an
      // `{id}` object is what Kong's second pass tolerates and is later resolved as an ordinary reference.
      if (link !== undefined && link !== null) {
        if (!isPlainObject(link)) (itemErrors ??= {})[linkField!] = MSG.mustBeNull;
        else if (!(typeof link.id === 'string' && Object.keys(link).length === 1))
          (itemErrors ??= {})[linkField!] = { id: MSG.required };
      }
    }
    const recordErrors = validateRecord(type.schema, raw, out, false, omit) as ErrTable | undefined;
    if (recordErrors) itemErrors = itemErrors ? { ...recordErrors, ...itemErrors } : recordErrors;
    if (shorthandError) (itemErrors ??= {}).url = shorthandError;
    if (itemErrors) {
      errors ??= {};
      errors[String(i + 1)] = itemErrors;
      continue;
    }
    node.processed = out.value as Rec;
    if (parent && isPlainObject(raw[linkField!])) node.processed[linkField!] = raw[linkField!];
    group.nodes.push(node);
  }
  return errors;
}

/** Kong's `get_key_for_uuid_gen`: the name a deterministic id is derived from, if any. */
function idKey(node: Node): string | undefined {
  const type = node.type;
  if (type.primaryKey.length !== 1) return undefined;
  if (type.cacheKey) {
    const parts = [type.name, '*'];
    for (const k of type.cacheKey) {
      const field = type.schema.byName.get(k);
      if (field?.auto) return undefined;
      const value = node.raw[k];
      if (typeof value === 'string') parts.push(value);
      else if (value === undefined) {
        if (k === node.linkField) {
          const parentId = node.parent?.processed.id;
          if (typeof parentId !== 'string') return undefined;
          parts.push(parentId);
        } else if (field?.required) return undefined;
        else parts.push('');
      }
    }
    return parts.join(':');
  }
  if (type.endpointKey) {
    const value = node.raw[type.endpointKey];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

export interface ProcessOptions {
  now: number;
  randomUuid: () => string;
}

/** Phase 2: ids (given, derived or random), timestamps, parent links. Pre-order: parents first. */
export function assignIds(groups: readonly Group[], options: ProcessOptions): void {
  for (const group of groups) {
    for (const node of group.nodes) {
      const p = node.processed;
      if (node.type.primaryKey[0] === 'id' && node.type.primaryKey.length === 1) {
        if (typeof p.id !== 'string') {
          const key = idKey(node);
          if (key !== undefined) {
            node.derivedId = kongEntityId(node.type.name, key);
            p.id = node.derivedId;
          } else p.id = options.randomUuid();
        }
      }
      if (p.created_at === null && node.type.schema.byName.has('created_at')) p.created_at = options.now;
      if (p.updated_at === null && node.type.schema.byName.has('updated_at')) p.updated_at = options.now;
      assignIds(node.groups, options);
    }
  }
}

function uniquenessMessage(entity: string, key: string, value: unknown): string {
  return `uniqueness violation: '${entity}' entity with ${key} set to '${String(value)}' already declared`;
}

function pkString(node: Node): string {
  const pk = node.type.primaryKey;
  if (pk.length === 1) return String(node.processed[pk[0]!]);
  // Kong's tostring() of foreign tables is unique per table: composite keys never collide here.
  return `${node.type.name}#${node.index}#${Math.random()}`;
}

interface Expected {
  type: string;
  field: string;
  value: unknown;
  reference: string;
  at: string;
}

export interface Index {
  byId: Map<string, Map<string, Node>>;
  byKey: Map<string, Map<string, Node>>;
  /** Nodes in Kong's `by_id` insertion order (children before their parent). */
  order: Node[];
}

/** Phase 3: `populate_references` + `validate_references` (endpoint-key/primary-key uniqueness, references). */
export function resolveReferences(groups: readonly Group[]): { index: Index; errors?: ErrTable } {
  const index: Index = { byId: new Map(), byKey: new Map(), order: [] };
  const expected: Expected[] = [];
  const errs: ErrTable = {};
  let failed = false;

  const walk = (levelGroups: readonly Group[], parent?: Node, parentIdx?: number) => {
    for (const group of levelGroups) {
      const type = group.type;
      let ids = index.byId.get(type.name);
      if (!ids) index.byId.set(type.name, (ids = new Map()));
      let keys = index.byKey.get(type.name);
      if (!keys) index.byKey.set(type.name, (keys = new Map()));
      for (const node of group.nodes) {
        walk(node.groups, node, node.index);
        const i = String(node.index + 1);
        const itemId = pkString(node);
        const key = type.endpointKeyUnique ? node.processed[type.endpointKey!] : undefined;
        let duplicate = false;
        if (typeof key === 'string') {
          if (keys.has(key)) {
            setPath(errs, [type.name, i], uniquenessMessage(type.name, type.endpointKey!, key));
            duplicate = failed = true;
          } else keys.set(key, node);
        }
        if (!duplicate && ids.has(itemId)) {
          const message = uniquenessMessage(type.name, 'primary key', itemId);
          if (parent && parentIdx !== undefined)
            setPath(errs, [parent.type.name, String(parentIdx + 1), type.name, i], message);
          else setPath(errs, [type.name, i], message);
          failed = true;
        } else if (!duplicate) {
          ids.set(itemId, node);
          index.order.push(node);
        }
        for (const [field, reference] of type.foreign) {
          const value = node.processed[field];
          if (value === null || value === undefined) continue;
          expected.push({
            type: type.name,
            field,
            value,
            reference,
            at: typeof key === 'string' ? key : itemId,
          });
        }
        if (parent && node.linkField) node.processed[node.linkField] = { id: parent.processed.id };
      }
    }
  };
  walk(groups);

  for (const ref of expected) {
    const lookup = isPlainObject(ref.value) ? (ref.value.id as string) : (ref.value as string);
    if (findEntity(index, ref.reference, lookup)) continue;
    const shown = typeof ref.value === 'string' ? ref.value : JSON.stringify(ref.value);
    const list = ((errs[ref.type] ??= {}) as ErrTable)[ref.at] as string[] | undefined;
    const message = `invalid reference '${ref.field}: ${shown}' (no such entry in '${ref.reference}')`;
    if (list) list.push(message);
    else (errs[ref.type] as ErrTable)[ref.at] = [message];
    failed = true;
  }
  return failed ? { index, errors: errs } : { index };
}

export function findEntity(index: Index, collection: string, key: string): Node | undefined {
  return index.byKey.get(collection)?.get(key) ?? index.byId.get(collection)?.get(key);
}

/** Resolves a foreign value (name, id or `{id}`) into Kong's stored `{ id }`. */
export function resolveForeign(index: Index, reference: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const found = findEntity(index, reference, value);
  return found ? { id: found.processed.id } : value;
}

export { randomUUID };
