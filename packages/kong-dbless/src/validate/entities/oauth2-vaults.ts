/**
 * kong/db/schema/entities/vaults.lua (with the one vault OSS bundles, `env`) and the oauth2 plugin's DAOs
 * (kong/plugins/oauth2/daos.lua) that a declarative config may carry: `oauth2_credentials` and their
 * `oauth2_tokens`.
 */
import { type Field, record } from '../schema.ts';
import * as t from '../typedefs.ts';

/** Vaults bundled with Kong OSS 3.10; a vault's prefix must not shadow one of them. */
const BUNDLED_VAULTS = ['env'];

const ttl: Field = { type: 'number', between: [0, 100_000_000] };

const vaultFields: [string, Field][] = [
  ['id', t.uuidField],
  ['name', { type: 'string', required: true }],
  [
    'prefix',
    {
      type: 'string',
      required: true,
      unique: true,
      match: /^[a-z][a-z\d-]*[a-z\d]$/,
      custom: (v: string) =>
        BUNDLED_VAULTS.includes(v) ? `must not be one of: ${BUNDLED_VAULTS.join(', ')}` : undefined,
    },
  ],
  ['description', { type: 'string' }],
  [
    'config',
    {
      type: 'record',
      record: record([
        ['prefix', { type: 'string', match: /^[A-Za-z_-][A-Za-z\d_-]*$/ }],
        ['ttl', ttl],
        ['neg_ttl', ttl],
        ['resurrect_ttl', ttl],
      ]),
    },
  ],
  ['created_at', t.timestamp],
  ['updated_at', t.timestamp],
  ['tags', t.tags],
];

/** Each installed vault is a subschema keyed by `name` (vault_loader); another name is the error alone. */
export const vaults = record(vaultFields, [], {
  subschemaKey: 'name',
  subschemas: new Map(BUNDLED_VAULTS.map((name) => [name, record(vaultFields)])),
  subschemaError: "vault '%s' is not installed",
});

/** The oauth2 plugin's `validate_uri`: socket.url must find a scheme and a host, and no fragment. */
function redirectUriError(uri: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z\d+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (!m || m[1] === '') return `cannot parse '${uri}'`;
  if (uri.includes('#')) return `fragment not allowed in '${uri}'`;
  return undefined;
}

export const oauth2Credentials = record([
  ['id', t.uuidField],
  ['created_at', t.timestamp],
  ['consumer', { type: 'foreign', reference: 'consumers', required: true }],
  ['name', { type: 'string', required: true }],
  ['client_id', { type: 'string', unique: true, auto: true }],
  ['client_secret', { type: 'string', auto: true }],
  ['hash_secret', { type: 'boolean', required: true, default: false }],
  ['redirect_uris', { type: 'array', elements: { type: 'string', custom: redirectUriError } }],
  ['tags', t.tags],
  [
    'client_type',
    { type: 'string', required: true, default: 'confidential', oneOf: ['confidential', 'public'] },
  ],
]);

export const oauth2Tokens = record([
  ['id', t.uuidField],
  ['created_at', t.timestamp],
  ['service', { type: 'foreign', reference: 'services' }],
  ['credential', { type: 'foreign', reference: 'oauth2_credentials', required: true }],
  ['token_type', { type: 'string', required: true, default: 'bearer', oneOf: ['bearer'] }],
  ['expires_in', { type: 'integer', required: true }],
  ['access_token', { type: 'string', unique: true, auto: true }],
  ['refresh_token', { type: 'string', unique: true }],
  ['authenticated_userid', { type: 'string' }],
  ['scope', { type: 'string' }],
  ['plugin', { type: 'foreign', reference: 'plugins' }],
]);
