/** key-auth, basic-auth, jwt, acl (kong/plugins/<name>/schema.lua, OSS 3.9). */
import { atLeastOneOf, type EntityCheck, onlyOneOf, type Rec, record } from '../schema.ts';
import { headerName } from '../typedefs.ts';
import { bool, type PluginDefinition, protocolsHttp, str, strings } from './common.ts';

/** Entity checks written against `config.*`, evaluated on the processed config record. */
export function onConfig(check: EntityCheck): EntityCheck {
  return {
    fields: ['config'],
    runWithMissing: true,
    run: (e) => check.run((e.config as Rec | null) ?? {}),
  };
}

export function prefixed(
  check: EntityCheck,
  names: readonly string[],
  kind: 'at least' | 'only',
): EntityCheck {
  const message = `${kind === 'at least' ? 'at least' : 'only'} one of these fields must be non-empty: ${names
    .map((n) => `'config.${n}'`)
    .join(', ')}`;
  return onConfig({ ...check, run: (c) => (check.run(c) === undefined ? undefined : message) });
}

export const keyAuth: PluginDefinition = {
  noConsumer: true,
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['key_names', { type: 'array', required: true, default: ['apikey'], elements: headerName }],
      ['hide_credentials', bool(false)],
      ['anonymous', str],
      ['key_in_header', bool(true)],
      ['key_in_query', bool(true)],
      ['key_in_body', bool(false)],
      ['run_on_preflight', bool(true)],
      ['realm', str],
    ]),
  },
};

export const basicAuth: PluginDefinition = {
  noConsumer: true,
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['anonymous', str],
      ['hide_credentials', bool(false)],
      ['realm', { type: 'string', required: true, default: 'service' }],
    ]),
  },
};

export const jwt: PluginDefinition = {
  noConsumer: true,
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['uri_param_names', { type: 'set', default: ['jwt'], elements: { type: 'string' } }],
      ['cookie_names', { type: 'set', default: [], elements: { type: 'string' } }],
      ['key_claim_name', { type: 'string', default: 'iss' }],
      ['secret_is_base64', bool(false)],
      ['claims_to_verify', { type: 'set', elements: { type: 'string', oneOf: ['exp', 'nbf'] } }],
      ['anonymous', str],
      ['run_on_preflight', bool(true)],
      ['maximum_expiration', { type: 'number', default: 0, between: [0, 31536000] }],
      ['header_names', { type: 'set', default: ['authorization'], elements: { type: 'string' } }],
      ['realm', str],
    ]),
  },
  checks: [
    {
      fields: ['config'],
      runWithMissing: true,
      run: (e) => {
        const c = (e.config as Rec | null) ?? {};
        if (!((c.maximum_expiration as number) > 0)) return undefined;
        const claims = (c.claims_to_verify as string[] | null) ?? [];
        return claims.includes('exp')
          ? undefined
          : {
              entity: "failed conditional validation given value of field 'config.maximum_expiration'",
              field: 'config.claims_to_verify',
              message: 'expected to contain: exp',
            };
      },
    },
  ],
};

const ALLOW_DENY = ['allow', 'deny'];

export const acl: PluginDefinition = {
  noConsumer: true,
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['allow', strings()],
      ['deny', strings()],
      ['hide_groups_header', bool(false)],
      ['always_use_authenticated_groups', bool(false)],
      ['include_consumer_groups', bool(false)],
    ]),
  },
  checks: [
    prefixed(onlyOneOf(ALLOW_DENY), ALLOW_DENY, 'only'),
    prefixed(atLeastOneOf(ALLOW_DENY), ALLOW_DENY, 'at least'),
  ],
};
