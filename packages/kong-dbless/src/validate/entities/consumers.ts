/** kong/db/schema/entities/consumers.lua and the credential DAOs of the bundled auth plugins. */
import { atLeastOneOf, record } from '../schema.ts';
import * as t from '../typedefs.ts';

export const consumers = record(
  [
    ['id', t.uuidField],
    ['created_at', t.timestamp],
    ['updated_at', t.timestamp],
    ['username', { type: 'string', unique: true }],
    ['custom_id', { type: 'string', unique: true }],
    ['tags', t.tags],
  ],
  [atLeastOneOf(['custom_id', 'username'])],
);

const consumerFk = { type: 'foreign', reference: 'consumers', required: true } as const;

export const keyauthCredentials = record([
  ['id', t.uuidField],
  ['created_at', t.timestamp],
  ['consumer', consumerFk],
  ['key', { type: 'string', unique: true, auto: true }],
  ['tags', t.tags],
  ['ttl', { type: 'integer' }],
]);

export const basicauthCredentials = record([
  ['id', t.uuidField],
  ['created_at', t.timestamp],
  ['consumer', consumerFk],
  ['username', { type: 'string', required: true, unique: true }],
  ['password', { type: 'string', required: true }],
  ['tags', t.tags],
]);

export const acls = record([
  ['id', t.uuidField],
  ['created_at', t.timestamp],
  ['consumer', consumerFk],
  ['group', { type: 'string', required: true }],
  ['tags', t.tags],
]);

const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];

export const jwtSecrets = record(
  [
    ['id', t.uuidField],
    ['created_at', t.timestamp],
    ['consumer', consumerFk],
    ['key', { type: 'string', unique: true, auto: true }],
    ['secret', { type: 'string', auto: true }],
    ['rsa_public_key', { type: 'string' }],
    ['algorithm', { type: 'string', default: 'HS256', oneOf: JWT_ALGORITHMS }],
    ['tags', t.tags],
  ],
  [
    {
      fields: ['algorithm', 'rsa_public_key'],
      runWithMissing: true,
      run: (e) => {
        const alg = e.algorithm as string;
        if (!/^(RS|PS|Ed)/.test(alg)) return undefined;
        if (typeof e.rsa_public_key !== 'string')
          return { field: 'rsa_public_key', message: 'required field missing' };
        return /-----BEGIN PUBLIC KEY-----/.test(e.rsa_public_key)
          ? undefined
          : { field: 'rsa_public_key', message: 'invalid key' };
      },
    },
  ],
);

export const hmacauthCredentials = record([
  ['id', t.uuidField],
  ['created_at', t.timestamp],
  ['consumer', consumerFk],
  ['username', { type: 'string', required: true, unique: true }],
  ['secret', { type: 'string', auto: true }],
  ['tags', t.tags],
]);
