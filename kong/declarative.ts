/**
 * TypeScript shape of the Kong declarative configuration (`_format_version: "3.0"`) that the translator emits and
 * the controller POSTs to `/config`. Only the fields kong-fleet (and KIC) produce are typed; Kong accepts more.
 * Foreign keys in top-level `plugins` hold entity *names* (as decK and KIC emit them), nested entities carry none.
 */

/** Kong tags: `k8s-name:…`, `k8s-namespace:…`, `k8s-kind:…`, `k8s-uid:…`, `k8s-group:…`, `k8s-version:…`, user tags. */
export type KongTags = string[];

export interface KongPluginEntity {
  id?: string;
  name: string;
  instance_name?: string;
  config?: Record<string, unknown>;
  enabled?: boolean;
  protocols?: string[];
  ordering?: Record<string, unknown>;
  run_on?: string;
  tags?: KongTags;
  /** Foreign keys by name (top-level plugins only). */
  service?: string;
  route?: string;
  consumer?: string;
  consumer_group?: string;
}

export interface KongRouteEntity {
  id?: string;
  name: string;
  hosts?: string[];
  paths?: string[];
  methods?: string[];
  headers?: Record<string, string[]>;
  snis?: string[];
  protocols?: string[];
  sources?: Array<{ ip?: string; port?: number }>;
  destinations?: Array<{ ip?: string; port?: number }>;
  expression?: string;
  priority?: number;
  strip_path?: boolean;
  preserve_host?: boolean;
  regex_priority?: number;
  path_handling?: string;
  https_redirect_status_code?: number;
  request_buffering?: boolean;
  response_buffering?: boolean;
  plugins?: KongPluginEntity[];
  tags?: KongTags;
}

export interface KongServiceEntity {
  id?: string;
  name: string;
  host: string;
  port?: number;
  protocol?: string;
  path?: string;
  connect_timeout?: number;
  read_timeout?: number;
  write_timeout?: number;
  retries?: number;
  tls_verify?: boolean;
  tls_verify_depth?: number;
  client_certificate?: { id: string };
  ca_certificates?: string[];
  routes?: KongRouteEntity[];
  plugins?: KongPluginEntity[];
  tags?: KongTags;
}

export interface KongTargetEntity {
  target: string;
  weight?: number;
  tags?: KongTags;
}

export interface KongUpstreamEntity {
  name: string;
  algorithm?: string;
  slots?: number;
  host_header?: string;
  hash_on?: string;
  hash_on_header?: string;
  hash_on_cookie?: string;
  hash_on_cookie_path?: string;
  hash_on_query_arg?: string;
  hash_on_uri_capture?: string;
  hash_fallback?: string;
  hash_fallback_header?: string;
  hash_fallback_query_arg?: string;
  hash_fallback_uri_capture?: string;
  /** Kong 3.11+ (`algorithm: sticky-sessions`). */
  sticky_sessions_cookie?: string;
  sticky_sessions_cookie_path?: string;
  healthchecks?: Record<string, unknown>;
  targets?: KongTargetEntity[];
  tags?: KongTags;
}

export interface KongSniEntity {
  name: string;
  certificate: { id: string };
}

export interface KongCertificateEntity {
  id: string;
  cert: string;
  key: string;
  snis?: KongSniEntity[];
  tags?: KongTags;
}

export interface KongCACertificateEntity {
  id: string;
  cert: string;
  tags?: KongTags;
}

/** Credentials nested in a consumer (decK file format). */
export interface KongCredentialEntity {
  [field: string]: unknown;
  tags?: KongTags;
}

export interface KongConsumerEntity {
  id?: string;
  username?: string;
  custom_id?: string;
  tags?: KongTags;
  keyauth_credentials?: KongCredentialEntity[];
  basicauth_credentials?: KongCredentialEntity[];
  hmacauth_credentials?: KongCredentialEntity[];
  jwt_secrets?: KongCredentialEntity[];
  acls?: KongCredentialEntity[];
  oauth2_credentials?: KongCredentialEntity[];
  mtls_auth_credentials?: KongCredentialEntity[];
}

export interface KongConsumerGroupEntity {
  id?: string;
  name: string;
  tags?: KongTags;
}

export interface KongConsumerGroupConsumerEntity {
  consumer: string;
  consumer_group: string;
}

export interface KongVaultEntity {
  id?: string;
  name: string;
  prefix: string;
  description?: string;
  config?: Record<string, unknown>;
  tags?: KongTags;
}

export interface KongDeclarativeConfig {
  _format_version: '3.0';
  services?: KongServiceEntity[];
  upstreams?: KongUpstreamEntity[];
  certificates?: KongCertificateEntity[];
  ca_certificates?: KongCACertificateEntity[];
  plugins?: KongPluginEntity[];
  consumers?: KongConsumerEntity[];
  consumer_groups?: KongConsumerGroupEntity[];
  consumer_group_consumers?: KongConsumerGroupConsumerEntity[];
  vaults?: KongVaultEntity[];
  /** Custom entity collections (KongCustomEntity `spec.type`, e.g. `degraphql_routes`). */
  [customCollection: string]: unknown;
}
