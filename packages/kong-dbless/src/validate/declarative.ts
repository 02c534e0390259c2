/**
 * The DB-less loader pipeline of `kong/db/schema/others/declarative_config.lua` (`flatten`): schema validation
 * of the nested document, deterministic ids, defaults, reference resolution, uniqueness, and the flat entity
 * map Kong stores and echoes in its 201 body.
 *
 * Kong runs these as separate passes over the document. Here one recursive walk does, for each entity while
 * its data is still in the CPU cache, the schema check, the id (pre-order) and the reference bookkeeping
 * (post-order); the later phases' results are used only when the schema phase passed, so what is reported
 * is what the separate passes report.
 */
import { derivedId } from './derived-ids.ts';
import type { EntityType } from './entities/registry.ts';
import { validateRecord } from './record-validation.ts';
import { isPlainObject, isSequence, MSG, type Rec } from './schema.ts';

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
  /** True when the id is a random one (neither given nor derivable): it names nothing outside this validation. */
  randomId: boolean;
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

/** What one validation builds while it walks the document. */
export interface Pass {
  randomUuid: () => string;
  index: Index;
  /** References to check once every entity is known. */
  expected: Expected[];
  /** Errors of the reference phase so far (repeated endpoint keys and primary keys). */
  referenceErrors: ErrTable;
  referenceFailed: boolean;
  /**
   * Errors of Kong's second schema pass (plugins shadowed by a later one with the same id): when present
   * they are the whole answer, reported against the config as given (no derived ids yet).
   */
  schemaPassErrors: ErrTable | undefined;
}

export function newPass(randomUuid: () => string): Pass {
  return {
    randomUuid,
    index: { byId: new Map(), byKey: new Map(), order: [] },
    expected: [],
    referenceErrors: {},
    referenceFailed: false,
    schemaPassErrors: undefined,
  };
}

/**
 * Validates one collection array; returns its error table (1-based keys) or undefined. Each valid entity also
 * gets its id (before its children, as Kong's pre-order id pass) and is entered into the index after its
 * children (Kong's `by_id` order).
 */
export function validateCollection(
  pass: Pass,
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
    const node: Node = {
      type,
      raw,
      processed: PENDING,
      index: i,
      parent,
      linkField: parent ? linkField : undefined,
      groups: NO_GROUPS,
      derivedId: undefined,
      randomId: false,
    };
    // The entity's own record first, so that its children can derive their ids from its id; the error
    // table is assembled below in Kong's order whatever the order of the checks.
    let linkError: unknown;
    if (parent) {
      const link = raw[linkField!];
      // A nested child must not name its parent: a string fails like Kong's first pass (eq = null); an
      // `{id}` object is what Kong's second pass tolerates and is later resolved as an ordinary reference.
      if (link === undefined || link === null) linkError = undefined;
      else if (!isPlainObject(link)) linkError = MSG.mustBeNull;
      else if (!(typeof link.id === 'string' && Object.keys(link).length === 1))
        linkError = { id: MSG.required };
    }
    const recordErrors = validateRecord(
      type.schema,
      raw,
      out,
      false,
      parent ? linkField : undefined,
      type.loaderKeys,
    ) as ErrTable | undefined;
    if (recordErrors === undefined) {
      node.processed = out.value as Rec;
      if (parent && isPlainObject(raw[linkField!])) node.processed[linkField!] = raw[linkField!];
      assignId(pass, type, node);
    }
    let itemErrors: ErrTable | undefined;
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
        pass,
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
    if (linkError !== undefined) {
      itemErrors = itemErrors ?? {};
      itemErrors[linkField!] = linkError;
    }
    if (parent) {
      // Kong's nested records (`copy_record` without `include_foreign`) set every foreign field to
      // `eq = null`, not only the link to the parent: a nested entity cannot name another one.
      for (const { field } of type.foreignList) {
        if (field === linkField || raw[field] === undefined || raw[field] === null) continue;
        itemErrors = itemErrors ?? {};
        itemErrors[field] = MSG.mustBeNull;
      }
    }
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
    group.nodes.push(node);
    enterIntoIndex(pass, type, node, parent);
  }
  return errors;
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

/** Kong's id pass for one entity: the given id, else one derived from its name or cache key, else a random one. */
function assignId(pass: Pass, type: EntityType, node: Node): void {
  const p = node.processed;
  if (type.idIsPrimaryKey && typeof p.id !== 'string') {
    node.derivedId = derivedId(node);
    node.randomId = node.derivedId === undefined;
    p.id = node.derivedId ?? pass.randomUuid();
  }
}

/**
 * Kong's `populate_references` for one entity, after its children: endpoint-key and primary-key uniqueness,
 * `by_id` order, the references to check later, and the parent link as `{ id }`.
 */
function enterIntoIndex(pass: Pass, type: EntityType, node: Node, parent: Node | undefined): void {
  const { index, referenceErrors: errs } = pass;
  const ids = mapFor(index.byId, type.name);
  const keys = mapFor(index.byKey, type.name);
  const itemId = pkString(node);
  const key = type.endpointKeyUnique ? node.processed[type.endpointKey!] : undefined;
  // One hash operation per map: a repeat is noticed by the map not growing. The repeat then replaces the
  // earlier entry, which changes nothing, as the config fails and only existence is looked up.
  // A violation is reported where the entity is: under its parent's entry when nested (15-off_spec.lua:2479).
  const i = String(node.index + 1);
  const at = parent ? [parent.type.name, String(parent.index + 1), type.name, i] : [type.name, i];
  let duplicate = false;
  if (typeof key === 'string') {
    const size = keys.size;
    keys.set(key, node);
    if (keys.size === size) {
      setPath(errs, at, uniquenessMessage(type.name, type.endpointKey!, key));
      duplicate = true;
      pass.referenceFailed = true;
    }
  }
  if (!duplicate) {
    const shadowed = ids.get(itemId);
    ids.set(itemId, node);
    if (shadowed === undefined) index.order.push(node);
    else {
      const unresolved = parent === undefined && type.name === 'plugins' ? stringReferences(shadowed) : [];
      if (unresolved.length > 0) {
        // Kong 3.10 (15-off_spec.lua:2908, #10767): a top-level plugin naming an entity by string fails the
        // first schema pass (its subschema keeps the foreign type), so flatten re-validates with the
        // references resolved through `by_id` — where a later plugin with the same derived id replaced this
        // one. Its strings stay unresolved and fail validate_primary_key; that is the only error reported.
        pass.schemaPassErrors ??= {};
        for (const field of unresolved)
          setPath(pass.schemaPassErrors, [type.name, String(shadowed.index + 1), field, 'id'], MSG.missingPk);
      } else setPath(errs, at, uniquenessMessage(type.name, 'primary key', itemId));
      pass.referenceFailed = true;
    }
  }
  for (const { field, reference } of type.foreignList) {
    const value = node.processed[field];
    if (value === null || value === undefined) continue;
    pass.expected.push({
      type: type.name,
      field,
      value,
      reference,
      at: typeof key === 'string' ? key : itemId,
    });
  }
  if (parent && node.linkField) node.processed[node.linkField] = { id: parent.processed.id };
}

/** The foreign fields a node names by string (an endpoint key or an id), in schema order. */
function stringReferences(node: Node): string[] {
  return node.type.foreignList.filter(({ field }) => typeof node.raw[field] === 'string').map((f) => f.field);
}

function mapFor(maps: Map<string, Map<string, Node>>, name: string): Map<string, Node> {
  let map = maps.get(name);
  if (!map) {
    map = new Map();
    maps.set(name, map);
  }
  return map;
}

/** `validate_references`, once every entity is indexed: the reference phase's errors, or undefined. */
export function checkReferences(pass: Pass): ErrTable | undefined {
  const { index, expected, referenceErrors: errs } = pass;
  let failed = pass.referenceFailed;
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
  return failed ? errs : undefined;
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
