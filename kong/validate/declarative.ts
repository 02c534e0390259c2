/**
 * The DB-less loader pipeline of `kong/db/schema/others/declarative_config.lua` (`flatten`): schema validation
 * of the nested document, deterministic ids, defaults, reference resolution, uniqueness, and the flat entity
 * map Kong stores and echoes in its 201 body.
 */
import { randomUUID } from 'node:crypto';
import { derivedEntityId } from './derived-ids.ts';
import type { EntityType, Registry } from './entities/registry.ts';
import { isPlainObject, isSequence, MSG, type Rec, validateRecord } from './schema.ts';

export interface Node {
  type: EntityType;
  /** The input item, or its rewritten copy when a shorthand applied. Never mutated. */
  raw: Rec;
  processed: Rec;
  /** 0-based position in its array. */
  index: number;
  parent: Node | undefined;
  /** The child's field that links to `parent` (`service` for a route nested in a service). */
  linkField: string | undefined;
  groups: Group[];
  /** Deterministic id Kong derived (written into its copy of the input). */
  derivedId: string | undefined;
}

export interface Group {
  type: EntityType;
  nodes: Node[];
}

export type ErrTable = Record<string, unknown>;

/** Shared by every node without nested collections; never written (a node gets its own list first). */
const NO_GROUPS: Group[] = [];
/** A node's `processed` until its record validated (a failed node is never read). */
const PENDING: Rec = Object.freeze({});

function setPath(errs: ErrTable, keys: readonly string[], value: unknown): void {
  let node = errs;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!;
    const next = node[key];
    if (isPlainObject(next)) node = next;
    else {
      const created: ErrTable = {};
      node[key] = created;
      node = created;
    }
  }
  node[keys[keys.length - 1]!] = value;
}

/** The error table under `key`, created on first use. */
function tableAt(errs: ErrTable, key: string): ErrTable {
  const existing = errs[key];
  if (existing !== undefined) return existing as ErrTable;
  const created: ErrTable = {};
  errs[key] = created;
  return created;
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
      errors = errors ?? {};
      errors[String(i + 1)] = 'expected a record';
      continue;
    }
    let raw = item;
    let shorthandError: string | undefined;
    if (type.preprocess) {
      const rewritten = type.preprocess(item);
      if (rewritten) {
        raw = rewritten.entity;
        shorthandError = rewritten.error;
      }
    }
    let itemErrors: ErrTable | undefined;
    const node: Node = {
      type,
      raw,
      processed: PENDING,
      index: i,
      parent,
      linkField: parent ? linkField : undefined,
      groups: NO_GROUPS,
      derivedId: undefined,
    };
    for (const child of type.childList) {
      const childItems = raw[child.name];
      if (childItems === undefined || childItems === null) continue;
      if (!isSequence(childItems)) {
        itemErrors = itemErrors ?? {};
        itemErrors[child.name] = 'expected an array';
        continue;
      }
      const childGroup: Group = { type: child.type, nodes: [] };
      if (node.groups === NO_GROUPS) node.groups = [];
      node.groups.push(childGroup);
      const childErrors = validateCollection(
        registry,
        child.type,
        Array.isArray(childItems) ? childItems : [],
        childGroup,
        node,
        child.link,
      );
      if (childErrors) {
        itemErrors = itemErrors ?? {};
        itemErrors[child.name] = childErrors;
      }
    }
    if (raw._comment !== undefined && typeof raw._comment !== 'string') {
      itemErrors = itemErrors ?? {};
      itemErrors._comment = 'expected a string';
    }
    if (raw._ignore !== undefined && !isSequence(raw._ignore)) {
      itemErrors = itemErrors ?? {};
      itemErrors._ignore = 'expected an array';
    }
    let omit: string | undefined;
    if (parent) {
      omit = linkField;
      const link = raw[linkField!];
      // A nested child must not name its parent: a string fails like Kong's first pass (eq = null); an
      // `{id}` object is what Kong's second pass tolerates and is later resolved as an ordinary reference.
      let linkError: unknown;
      if (link === undefined || link === null) linkError = undefined;
      else if (!isPlainObject(link)) linkError = MSG.mustBeNull;
      else if (!(typeof link.id === 'string' && Object.keys(link).length === 1))
        linkError = { id: MSG.required };
      if (linkError !== undefined) {
        itemErrors = itemErrors ?? {};
        itemErrors[linkField!] = linkError;
      }
    }
    const recordErrors = validateRecord(type.schema, raw, out, false, omit, type.loaderKeys) as
      | ErrTable
      | undefined;
    if (recordErrors) itemErrors = itemErrors ? { ...recordErrors, ...itemErrors } : recordErrors;
    if (shorthandError) {
      itemErrors = itemErrors ?? {};
      itemErrors.url = shorthandError;
    }
    if (itemErrors) {
      errors = errors ?? {};
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
  if (type.cacheKeyFields) {
    // Kong joins the collection name, `*` and each cache-key value with `:`; a value that is neither a
    // string nor absent contributes nothing.
    let key = `${type.name}:*`;
    for (const field of type.cacheKeyFields) {
      if (field.auto) return undefined;
      const value = node.raw[field.name];
      if (typeof value === 'string') key += `:${value}`;
      else if (value === undefined) {
        if (field.name === node.linkField) {
          const parentId = node.parent?.processed.id;
          if (typeof parentId !== 'string') return undefined;
          key += `:${parentId}`;
        } else if (field.required) return undefined;
        else key += ':';
      }
    }
    return key;
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
    const type = group.type;
    for (const node of group.nodes) {
      const p = node.processed;
      if (type.idIsPrimaryKey && typeof p.id !== 'string') {
        const key = idKey(node);
        if (key !== undefined) {
          node.derivedId = derivedEntityId(type.name, key);
          p.id = node.derivedId;
        } else p.id = options.randomUuid();
      }
      if (type.hasCreatedAt && p.created_at === null) p.created_at = options.now;
      if (type.hasUpdatedAt && p.updated_at === null) p.updated_at = options.now;
      if (node.groups.length > 0) assignIds(node.groups, options);
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
  const state: ReferenceWalk = {
    index: { byId: new Map(), byKey: new Map(), order: [] },
    expected: [],
    errs: {},
    failed: false,
  };
  walkReferences(state, groups, undefined);
  const { index, expected, errs } = state;
  let failed = state.failed;
  for (const ref of expected) {
    const lookup = isPlainObject(ref.value) ? (ref.value.id as string) : (ref.value as string);
    if (findEntity(index, ref.reference, lookup)) continue;
    const shown = typeof ref.value === 'string' ? ref.value : JSON.stringify(ref.value);
    const table = tableAt(errs, ref.type);
    const list = table[ref.at] as string[] | undefined;
    const message = `invalid reference '${ref.field}: ${shown}' (no such entry in '${ref.reference}')`;
    if (list) list.push(message);
    else table[ref.at] = [message];
    failed = true;
  }
  return failed ? { index, errors: errs } : { index };
}

interface ReferenceWalk {
  index: Index;
  expected: Expected[];
  errs: ErrTable;
  failed: boolean;
}

function mapFor(maps: Map<string, Map<string, Node>>, name: string): Map<string, Node> {
  let map = maps.get(name);
  if (!map) {
    map = new Map();
    maps.set(name, map);
  }
  return map;
}

/** Children first (Kong's `by_id` order), then the entity: keys, ids and the references to check later. */
function walkReferences(state: ReferenceWalk, groups: readonly Group[], parent: Node | undefined): void {
  const { index, errs } = state;
  for (const group of groups) {
    const type = group.type;
    const ids = mapFor(index.byId, type.name);
    const keys = mapFor(index.byKey, type.name);
    for (const node of group.nodes) {
      if (node.groups.length > 0) walkReferences(state, node.groups, node);
      const itemId = pkString(node);
      const key = type.endpointKeyUnique ? node.processed[type.endpointKey!] : undefined;
      // One hash operation per map: a repeat is noticed by the map not growing. The repeat then replaces
      // the earlier entry, which changes nothing, as the config fails and only existence is looked up.
      let duplicate = false;
      if (typeof key === 'string') {
        const size = keys.size;
        keys.set(key, node);
        if (keys.size === size) {
          setPath(
            errs,
            [type.name, String(node.index + 1)],
            uniquenessMessage(type.name, type.endpointKey!, key),
          );
          duplicate = true;
          state.failed = true;
        }
      }
      if (!duplicate) {
        const size = ids.size;
        ids.set(itemId, node);
        if (ids.size > size) index.order.push(node);
        else {
          const message = uniquenessMessage(type.name, 'primary key', itemId);
          const i = String(node.index + 1);
          if (parent) setPath(errs, [parent.type.name, String(parent.index + 1), type.name, i], message);
          else setPath(errs, [type.name, i], message);
          state.failed = true;
        }
      }
      for (const { field, reference } of type.foreignList) {
        const value = node.processed[field];
        if (value === null || value === undefined) continue;
        state.expected.push({
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
