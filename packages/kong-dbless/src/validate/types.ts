/**
 * Public types of the declarative-config validator: the exact shapes Kong 3.x (DB-less) sends back from
 * `POST /config` (kong-admin-api.md §2.5 and §2.8). The controller maps `FlattenedError.entity_tags`
 * (`k8s-kind:`, `k8s-namespace:`, `k8s-name:`, `k8s-group:`, `k8s-version:`, `k8s-uid:`) back to Kubernetes
 * objects, both for local validation and for a real 400 from a proxy.
 */

/** Kong's router flavors (`router_flavor` in kong.conf). Route schemas differ between them. */
export type RouterFlavor = 'traditional_compatible' | 'traditional' | 'expressions';

/** Kong editions; `enterprise` adds the EE-only entities KIC emits (consumer groups, degraphql routes). */
export type KongEdition = 'community' | 'enterprise';

export interface ValidationOptions {
  /** Kong version whose schemas are applied (plugin fields differ between minors). @defaultValue '3.9.1' */
  kongVersion?: string;
  /** Router flavor of the node: `expression`/`priority` route fields exist only with `expressions`. @defaultValue 'traditional_compatible' */
  routerFlavor?: RouterFlavor;
  /** Edition of the node; `enterprise` accepts `consumer_groups`, `consumer_group_consumers`, `degraphql_routes` and the `degraphql` plugin. @defaultValue 'community' */
  edition?: KongEdition;
  /** Clock for `created_at`/`updated_at` (seconds since the epoch). @defaultValue `Math.floor(Date.now() / 1000)` */
  now?: () => number;
  /** Source of the random v4 ids Kong gives entities it cannot derive an id for. @defaultValue `crypto.randomUUID` */
  randomUuid?: () => string;
}

/** One problem of one entity in a flattened error (§2.5.3). */
export interface FlattenedErrorItem {
  /** `field`: `field` is set (dot path, 1-based array indexes); `entity`: a cross-field (`@entity`) or uniqueness message. */
  type: 'field' | 'entity';
  field?: string;
  message: string;
}

/** One entry of `flattened_errors`: an entity that failed, hoisted out of any nesting (§2.5.3). */
export interface FlattenedError {
  /** Collection name minus a trailing `s`: `service`, `route`, `plugin`, `keyauth_credential`, `acl`, … */
  entity_type: string;
  /** Only when the entity has a non-empty string `name` (for plugins: the plugin name). */
  entity_name?: string;
  /** Only when the entity has a valid UUID `id` (given, or derived by Kong before the failing phase). */
  entity_id?: string;
  /** Only when `tags` is an array of strings. */
  entity_tags?: string[];
  /** The input entity, nested child collections removed, parent link injected as `{id}` when known. */
  entity: Record<string, unknown>;
  errors: FlattenedErrorItem[];
}

/**
 * Kong's nested error tree (`fields`, §2.5.2): collections are arrays aligned with the input (null holes),
 * entity slots are objects of field → message (or a bare string for uniqueness), `@entity` is a list.
 */
export type ErrorTree = { [key: string]: ErrorNode };
export type ErrorNode = string | string[] | ErrorTree | (ErrorNode | null)[] | null;

/** The 400 body of `POST /config` for an invalid declarative configuration (code 14). */
export interface KongConfigError {
  code: 14;
  name: 'invalid declarative configuration';
  message: string;
  fields: ErrorTree;
  /** Present only when the request asked for `flatten_errors` and the text parsed. */
  flattened_errors?: FlattenedError[];
}

/** A processed entity as Kong returns it: every schema field present (null when unset), defaults filled. */
export type KongEntity = Record<string, unknown>;

/** The 201 body of `POST /config`: collection name → id → processed entity (§2.8). Only non-empty collections. */
export type FlattenedEntities = Record<string, Record<string, KongEntity>>;

/** Top-level `_`-prefixed keys of the processed config (`_format_version`, `_transform`, …). */
export type DeclarativeMeta = Record<string, unknown>;

export type ValidationResult =
  | { ok: true; entities: FlattenedEntities; meta: DeclarativeMeta; entityCount: number }
  | { ok: false; error: KongConfigError };

/** The result without the 201 body (`output: 'errors-only'`); every `ValidationResult` is one too. */
export type ValidationVerdict =
  | { ok: true; entities?: FlattenedEntities; meta: DeclarativeMeta; entityCount: number }
  | { ok: false; error: KongConfigError };
