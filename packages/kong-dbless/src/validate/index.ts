/**
 * Kong 3.x DB-less declarative-config validation, shared by the Kong simulator (`POST /config`) and the
 * controller (local validation before a push). Pure: no I/O.
 *
 * @example
 * const result = validateDeclarativeConfig(config, { kongVersion: '3.9.1' });
 * if (!result.ok) console.log(result.error.flattened_errors);
 */

import {
  checkReferences,
  type ErrTable,
  type Group,
  type Index,
  newPass,
  validateCollection,
} from './declarative.ts';
import { type Registry, registryFor } from './entities/registry.ts';
import { normalizePath } from './entities/route-paths.ts';
import { luaPretty, toKongJson } from './error-format.ts';
import { finalPass, uniqueKeysOf } from './final-pass.ts';
import { flattenErrors } from './flatten-errors.ts';
import { withReferencedSchemas } from './record-validation.ts';
import { isPlainObject, isSequence, MSG, type Rec } from './schema.ts';
import type {
  DeclarativeMeta,
  ErrorTree,
  KongConfigError,
  ValidationOptions,
  ValidationResult,
  ValidationVerdict,
} from './types.ts';
import type { PartSummary, ValidationMemo } from './validation-memo.ts';

export type * from './types.ts';
export { ValidationMemo } from './validation-memo.ts';

export interface ValidateOptions extends ValidationOptions {
  /** Add `flattened_errors` (and drain `fields`) as Kong does for `flatten_errors=1`. @defaultValue true */
  flattenErrors?: boolean;
  /**
   * `entities`: on success, the flat entities Kong would store (its 201 body). `errors-only`: the same
   * verdict and errors, without building that body (for callers that only need to know whether Kong
   * would accept the config, like the controller's local validation).
   * @defaultValue 'entities'
   */
  output?: 'entities' | 'errors-only';
}

export interface ValidatePartsOptions extends Omit<ValidateOptions, 'output'> {
  /** Remembers the parts that passed, for the next calls with the same memo (the parts it vouches for). */
  memo?: ValidationMemo;
}

const FORMAT_VERSIONS = ['1.1', '2.1', '3.0'];

/** `3.9.1` → 9. Unknown strings fall back to the newest modelled minor. */
export function kongMinor(version: string | undefined): number {
  const m = /^3\.(\d+)/.exec(version ?? '3.9.1');
  return m ? Number(m[1]) : 9;
}

/**
 * Validates a parsed declarative configuration exactly as a Kong node would on `POST /config`.
 * On success returns the entities Kong would store (its 201 body; not with `output: 'errors-only'`); on
 * failure, the 400 body. The input is never modified.
 */
export function validateDeclarativeConfig(
  config: unknown,
  options: ValidateOptions & { output: 'errors-only' },
): ValidationVerdict;
export function validateDeclarativeConfig(
  config: unknown,
  options?: ValidateOptions & { output?: 'entities' },
): ValidationResult;
export function validateDeclarativeConfig(config: unknown, options?: ValidateOptions): ValidationVerdict;
export function validateDeclarativeConfig(
  config: unknown,
  options: ValidateOptions = {},
): ValidationResult | ValidationVerdict {
  return validateConfig(config, options, undefined);
}

/**
 * The verdict on a config made of `parts` (each a declarative config; the whole is their collections
 * concatenated), told without validating the whole: when every part passes alone and no entity key, endpoint key
 * or other unique value repeats across parts, the whole passes too (schema checks and ids are per entity,
 * references found within a part are found in the whole, and the whole's uniqueness is what is compared here).
 * Undefined when that cannot be told — a part fails alone, values repeat, or the parts' top-level fields differ:
 * validate the whole config then, which gives Kong's exact errors. With a memo, a part it vouches for is
 * validated once. Always errors-only.
 */
export function validateDeclarativeParts(
  parts: readonly unknown[],
  options: ValidatePartsOptions = {},
): ValidationVerdict | undefined {
  const { memo, ...rest } = options;
  const registry = registryFor(
    kongMinor(options.kongVersion),
    options.routerFlavor ?? 'traditional_compatible',
    options.edition ?? 'community',
  );
  const seen = new Set<string>();
  const partOptions: ValidateOptions = { ...rest, output: 'errors-only' };
  let entityCount = 0;
  let meta: DeclarativeMeta | undefined;
  for (const part of parts) {
    let summary: PartSummary | undefined = memo?.part(registry, part);
    if (!summary) {
      let keys: string[] | undefined;
      const verdict = validateConfig(part, partOptions, (index) => {
        keys = uniqueKeysOf(index);
      });
      if (!verdict.ok || !keys) return undefined;
      summary = { keys, entityCount: verdict.entityCount, meta: verdict.meta };
      memo?.rememberPart(registry, part, summary);
    }
    if (meta === undefined) meta = summary.meta;
    else if (!sameMeta(meta, summary.meta)) return undefined;
    for (const key of summary.keys) {
      const size = seen.size;
      seen.add(key);
      if (seen.size === size) return undefined;
    }
    entityCount += summary.entityCount;
  }
  return meta === undefined ? undefined : { ok: true, meta: { ...meta }, entityCount };
}

/** Top-level fields (`_format_version`, `_transform`, `_comment`) are flat strings and booleans. */
function sameMeta(a: DeclarativeMeta, b: DeclarativeMeta): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function validateConfig(
  config: unknown,
  options: ValidateOptions,
  onValid: ((index: Index) => void) | undefined,
): ValidationResult | ValidationVerdict {
  const registry = registryFor(
    kongMinor(options.kongVersion),
    options.routerFlavor ?? 'traditional_compatible',
    options.edition ?? 'community',
  );
  const flatten = options.flattenErrors ?? true;
  if (!isPlainObject(config)) {
    return fail(
      { error: 'failed parsing declarative configuration: expected an object' },
      undefined,
      false,
      registry,
    );
  }

  const errors: ErrTable = {};
  const meta: DeclarativeMeta = {};
  const version = config._format_version;
  if (version === undefined || version === null) errors._format_version = MSG.required;
  else if (typeof version !== 'string') errors._format_version = 'expected a string';
  else if (!FORMAT_VERSIONS.includes(version))
    errors._format_version = `expected one of: ${FORMAT_VERSIONS.join(', ')}`;
  else meta._format_version = version;
  const transform = config._transform;
  if (transform !== undefined && transform !== null && typeof transform !== 'boolean')
    errors._transform = 'expected a boolean';
  meta._transform = typeof transform === 'boolean' ? transform : true;
  if (config._comment !== undefined && config._comment !== null) {
    if (typeof config._comment !== 'string') errors._comment = 'expected a string';
    else meta._comment = config._comment;
  }
  if (config._ignore !== undefined && config._ignore !== null && !isSequence(config._ignore))
    errors._ignore = 'expected an array';

  for (const key in config) {
    if (key.startsWith('_') && ['_format_version', '_transform', '_comment', '_ignore'].includes(key))
      continue;
    if (!registry.byName.has(key)) errors[key] = MSG.unknown;
  }

  const input = version === '1.1' || version === '2.1' ? migrateLegacyPaths(config) : config;
  if (input !== config) meta._format_version = '3.0';

  const pass = newPass(options.randomUuid ?? (() => crypto.randomUUID()));
  const roots: Group[] = [];
  withReferencedSchemas(
    (collection) => registry.byName.get(collection)?.schema,
    () => {
      for (const type of registry.types) {
        const items = input[type.name];
        if (items === undefined || items === null) continue;
        if (!isSequence(items)) {
          errors[type.name] = 'expected an array';
          continue;
        }
        const group: Group = { type, nodes: [] };
        roots.push(group);
        const collectionErrors = validateCollection(pass, type, Array.isArray(items) ? items : [], group);
        if (collectionErrors) errors[type.name] = collectionErrors;
      }
    },
  );
  if (Object.keys(errors).length > 0) return fail(errors, config, flatten, registry);

  if (pass.schemaPassErrors) return fail(pass.schemaPassErrors, config, flatten, registry);
  const referenceErrors = checkReferences(pass);
  if (referenceErrors) return fail(referenceErrors, withDerivedIds(config, roots), flatten, registry);

  // Timestamps go only into the 201 body, so the clock is read only when it is built.
  const now =
    options.output === 'errors-only'
      ? undefined
      : options.now
        ? options.now()
        : Math.floor(Date.now() / 1000);
  const { entities, count, errors: uniqueErrors } = finalPass(pass.index, now);
  if (uniqueErrors) return fail(uniqueErrors, withDerivedIds(config, roots), flatten, registry);
  onValid?.(pass.index);
  return entities ? { ok: true, entities, meta, entityCount: count } : { ok: true, meta, entityCount: count };
}

function fail(
  errors: ErrTable,
  input: Rec | undefined,
  flatten: boolean,
  registry: Registry,
): { ok: false; error: KongConfigError } {
  let flattened: KongConfigError['flattened_errors'];
  if (flatten && input) {
    flattened = flattenErrors(structuredClone(input), errors, registry);
  }
  const fields = toKongJson(errors) as ErrorTree;
  const error: KongConfigError = {
    code: 14,
    name: 'invalid declarative configuration',
    message: `declarative config is invalid: ${luaPretty(errors)}`,
    fields: Array.isArray(fields) ? {} : fields,
    ...(flattened ? { flattened_errors: flattened } : {}),
  };
  return { ok: false, error };
}

/** Kong writes derived ids into its copy of the input before the reference phase; errors then show them. */
function withDerivedIds(config: Rec, roots: readonly Group[]): Rec {
  const copy = structuredClone(config);
  const visit = (container: Rec, groups: readonly Group[]) => {
    for (const group of groups) {
      const items = container[group.type.name];
      if (!Array.isArray(items)) continue;
      for (const node of group.nodes) {
        const item = items[node.index];
        if (!isPlainObject(item)) continue;
        if (node.derivedId && item.id === undefined) item.id = node.derivedId;
        visit(item, node.groups);
      }
    }
  };
  visit(copy, roots);
  return copy;
}

const PLAIN_PATH_RE = /^[A-Za-z0-9.\-_~/%]*$/;

/**
 * `_format_version` 1.1/2.1: route paths with regex characters get a `~` prefix (Kong's on-the-fly
 * migration, kong/db/declarative/migrations/route_path.lua) for top-level routes and routes nested in
 * top-level services.
 */
function migrateLegacyPaths(config: Rec): Rec {
  const fix = (route: unknown) => {
    if (!isPlainObject(route) || !Array.isArray(route.paths)) return route;
    return {
      ...route,
      paths: route.paths.map((p) =>
        typeof p !== 'string'
          ? p
          : PLAIN_PATH_RE.test(p)
            ? normalizePath(p)
            : p.startsWith('~')
              ? p
              : `~${p}`,
      ),
    };
  };
  const copy: Rec = { ...config };
  if (Array.isArray(copy.routes)) copy.routes = copy.routes.map(fix);
  if (Array.isArray(copy.services)) {
    copy.services = copy.services.map((s) =>
      isPlainObject(s) && Array.isArray(s.routes) ? { ...s, routes: s.routes.map(fix) } : s,
    );
  }
  return copy;
}
