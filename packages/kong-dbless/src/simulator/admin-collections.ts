/**
 * The Admin API's names for the entity collections a DB-less node lists (Kong's `admin_api_name` of each
 * DAO), per version, and the names of the per-consumer credential endpoints (`/consumers/{c}/key-auth`).
 * Collections the simulator does not model (`keys`, `key_sets`, `filter_chains`) list as empty.
 */
export interface AdminCollection {
  /** The entity collection in the loaded config. */
  collection: string;
  /** First Kong minor that serves the endpoint. */
  since?: number;
}

const TOP_LEVEL: Record<string, AdminCollection> = {
  services: { collection: 'services' },
  routes: { collection: 'routes' },
  plugins: { collection: 'plugins' },
  consumers: { collection: 'consumers' },
  upstreams: { collection: 'upstreams' },
  targets: { collection: 'targets' },
  certificates: { collection: 'certificates' },
  snis: { collection: 'snis' },
  ca_certificates: { collection: 'ca_certificates' },
  vaults: { collection: 'vaults' },
  keys: { collection: 'keys' },
  'key-sets': { collection: 'key_sets' },
  'filter-chains': { collection: 'filter_chains', since: 4 },
  acls: { collection: 'acls' },
  'key-auths': { collection: 'keyauth_credentials' },
  'basic-auths': { collection: 'basicauth_credentials' },
  jwts: { collection: 'jwt_secrets' },
  'hmac-auths': { collection: 'hmacauth_credentials' },
  oauth2: { collection: 'oauth2_credentials' },
  oauth2_tokens: { collection: 'oauth2_tokens' },
};

/** Under `/consumers/{consumer}/…` the credential plugins use their plugin names. */
const UNDER_CONSUMER: Record<string, string> = {
  'key-auth': 'keyauth_credentials',
  'basic-auth': 'basicauth_credentials',
  jwt: 'jwt_secrets',
  'hmac-auth': 'hmacauth_credentials',
  oauth2: 'oauth2_credentials',
  acls: 'acls',
  plugins: 'plugins',
};

/** The collection a top-level Admin API path segment lists on a node of this Kong minor. */
export function topLevelCollection(segment: string, minor: number): string | undefined {
  const found = Object.hasOwn(TOP_LEVEL, segment) ? TOP_LEVEL[segment] : undefined;
  return found && (found.since === undefined || minor >= found.since) ? found.collection : undefined;
}

/** The child collection `/<parent>/{id}/<segment>` lists (`/upstreams/{u}/targets`, `/consumers/{c}/jwt`). */
export function nestedCollection(parent: string, segment: string, minor: number): string | undefined {
  if (parent === 'consumers' && Object.hasOwn(UNDER_CONSUMER, segment)) return UNDER_CONSUMER[segment];
  return topLevelCollection(segment, minor);
}
