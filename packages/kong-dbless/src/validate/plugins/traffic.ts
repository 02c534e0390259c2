/** rate-limiting, ip-restriction, proxy-cache, request-termination (OSS 3.9 schemas, DB-less variants). */
import { atLeastOneOf, type EntityCheck, type Field, type Rec, record } from '../schema.ts';
import { ipOrCidr, PROTOCOLS, path } from '../typedefs.ts';
import { onConfig, prefixed } from './auth.ts';
import { bool, type PluginDefinition, protocolsAll, protocolsHttp, str, strings } from './common.ts';

const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
const period: Field = { type: 'number', gt: 0 };

function periodsOrder(config: Rec): string | undefined {
  for (let i = 0; i < PERIODS.length; i++) {
    const lower = config[PERIODS[i]!];
    if (typeof lower !== 'number') continue;
    for (let j = i + 1; j < PERIODS.length; j++) {
      const upper = config[PERIODS[j]!];
      if (typeof upper === 'number' && upper < lower)
        return `The limit for ${PERIODS[j]}(${upper.toFixed(1)}) cannot be lower than the limit for ${PERIODS[i]}(${lower.toFixed(1)})`;
    }
  }
  return undefined;
}

const redis = record([
  ['host', { type: 'string' }],
  ['port', { type: 'integer', default: 6379, between: [0, 65535] }],
  ['timeout', { type: 'integer', default: 2000, between: [0, 2 ** 31 - 2] }],
  ['username', str],
  ['password', str],
  ['database', { type: 'integer', default: 0 }],
  ['ssl', bool(false)],
  ['ssl_verify', bool(false)],
  ['server_name', str],
]);

const REDIS_SHORTHANDS: Record<string, string> = {
  redis_host: 'host',
  redis_port: 'port',
  redis_password: 'password',
  redis_username: 'username',
  redis_ssl: 'ssl',
  redis_ssl_verify: 'ssl_verify',
  redis_server_name: 'server_name',
  redis_timeout: 'timeout',
  redis_database: 'database',
};

function conditionalConfig(
  ifField: string,
  ifValue: string,
  thenPath: string,
  read: (c: Rec) => unknown,
): EntityCheck {
  return onConfig({
    fields: [],
    runWithMissing: true,
    run: (c) =>
      c[ifField] === ifValue && (read(c) === null || read(c) === undefined)
        ? {
            entity: `failed conditional validation given value of field 'config.${ifField}'`,
            field: thenPath,
            message: 'required field missing',
          }
        : undefined,
  });
}

export const rateLimiting: PluginDefinition = {
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      ...PERIODS.map((p) => [p, period] as const),
      [
        'limit_by',
        {
          type: 'string',
          default: 'consumer',
          oneOf: ['consumer', 'credential', 'ip', 'service', 'header', 'path', 'consumer-group'],
        },
      ],
      ['header_name', str],
      ['path', path],
      // DB-less nodes have no `cluster` policy (kong/plugins/rate-limiting/schema.lua, is_dbless()).
      ['policy', { type: 'string', default: 'local', lenMin: 0, oneOf: ['local', 'redis'] }],
      ['fault_tolerant', bool(true)],
      ['redis', { type: 'record', required: true, record: redis }],
      ['hide_client_headers', bool(false)],
      ['error_code', { type: 'number', default: 429, gt: 0 }],
      ['error_message', { type: 'string', default: 'API rate limit exceeded' }],
      ['sync_rate', { type: 'number', default: -1 }],
    ]),
    custom: periodsOrder as (v: never) => string | undefined,
  },
  checks: [
    prefixed(atLeastOneOf(PERIODS), PERIODS, 'at least'),
    conditionalConfig('policy', 'redis', 'config.redis.host', (c) => (c.redis as Rec | null)?.host),
    conditionalConfig('limit_by', 'header', 'config.header_name', (c) => c.header_name),
    conditionalConfig('limit_by', 'path', 'config.path', (c) => c.path),
  ],
  shorthands: (config) => {
    for (const [flat, nested] of Object.entries(REDIS_SHORTHANDS)) {
      if (!(flat in config)) continue;
      const value = config[flat];
      delete config[flat];
      if (value === null || value === undefined) continue;
      if (config.redis === undefined || config.redis === null) config.redis = {};
      const target = config.redis as Rec;
      if (typeof target === 'object' && target[nested] === undefined) target[nested] = value;
    }
  },
};

export const ipRestriction: PluginDefinition = {
  protocols: {
    type: 'set',
    required: true,
    default: ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls'],
    elements: { type: 'string', oneOf: ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls'] },
  },
  config: {
    type: 'record',
    required: true,
    record: record([
      ['allow', { type: 'array', elements: ipOrCidr }],
      ['deny', { type: 'array', elements: ipOrCidr }],
      ['status', { type: 'number' }],
      ['message', str],
    ]),
  },
  checks: [prefixed(atLeastOneOf(['allow', 'deny']), ['allow', 'deny'], 'at least')],
};

export const proxyCache: PluginDefinition = {
  protocols: protocolsAll,
  config: {
    type: 'record',
    required: true,
    record: record([
      [
        'response_code',
        {
          type: 'array',
          default: [200, 301, 404],
          lenMin: 1,
          required: true,
          elements: { type: 'integer', between: [100, 900] },
        },
      ],
      [
        'request_method',
        {
          type: 'array',
          default: ['GET', 'HEAD'],
          required: true,
          elements: { type: 'string', oneOf: ['HEAD', 'GET', 'POST', 'PATCH', 'PUT'] },
        },
      ],
      [
        'content_type',
        {
          type: 'array',
          default: ['text/plain', 'application/json'],
          required: true,
          elements: { type: 'string' },
        },
      ],
      ['cache_ttl', { type: 'integer', default: 300, gt: 0 }],
      ['strategy', { type: 'string', required: true, oneOf: ['memory'] }],
      ['cache_control', bool(false)],
      ['ignore_uri_case', { type: 'boolean', default: false }],
      ['storage_ttl', { type: 'integer' }],
      [
        'memory',
        {
          type: 'record',
          required: true,
          record: record([['dictionary_name', { type: 'string', required: true, default: 'kong_db_cache' }]]),
        },
      ],
      ['vary_query_params', strings()],
      ['vary_headers', strings()],
      [
        'response_headers',
        {
          type: 'record',
          required: true,
          record: record([
            ['age', bool(true)],
            ['X-Cache-Status', bool(true)],
            ['X-Cache-Key', bool(true)],
          ]),
        },
      ],
    ]),
  },
};

const present = (v: unknown) => v !== null && v !== undefined;

export const requestTermination: PluginDefinition = {
  protocols: protocolsAll,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['status_code', { type: 'integer', required: true, default: 503, between: [100, 599] }],
      ['message', str],
      ['content_type', str],
      ['body', str],
      ['echo', bool(false)],
      ['trigger', str],
    ]),
  },
  checks: [
    {
      fields: ['config'],
      runWithMissing: true,
      run: (e) => {
        const c = (e.config as Rec | null) ?? {};
        if (present(c.message) && (present(c.content_type) || present(c.body)))
          return 'message cannot be used with content_type or body';
        if (present(c.content_type) && !present(c.body)) return 'content_type requires a body';
        if (c.echo === true && (present(c.content_type) || present(c.body)))
          return 'echo cannot be used with content_type and body';
        return undefined;
      },
    },
  ],
};

export { PROTOCOLS };
