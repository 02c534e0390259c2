/** cors, request-transformer, response-transformer, correlation-id, prometheus, degraphql (EE). */

import { regexError } from '../entities/route-paths.ts';
import { type Field, record } from '../schema.ts';
import { headerName } from '../typedefs.ts';
import { bool, type PluginDefinition, protocolsAll, protocolsHttp, str, strings } from './common.ts';

const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

export const cors: PluginDefinition = {
  noConsumer: true,
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      [
        'origins',
        {
          type: 'array',
          elements: {
            type: 'string',
            custom: (v: string) =>
              v === '*' || regexError(v) === undefined ? undefined : `'${v}' is not a valid regex`,
          },
        },
      ],
      ['headers', strings()],
      ['exposed_headers', strings()],
      ['methods', { type: 'array', default: METHODS, elements: { type: 'string', oneOf: METHODS } }],
      ['max_age', { type: 'number' }],
      ['credentials', bool(false)],
      ['private_network', bool(false)],
      ['preflight_continue', bool(false)],
      ['allow_origin_absent', bool(true)],
    ]),
  },
};

const colonPairs: Field = {
  type: 'array',
  default: [],
  required: true,
  elements: {
    type: 'string',
    custom: (v: string) => (/^[^:]+:.*$/.test(v) ? undefined : `invalid value: ${v}`),
  },
};
const names: Field = { type: 'array', default: [], required: true, elements: { type: 'string' } };
const headerNames: Field = { type: 'array', default: [], required: true, elements: headerName };

const section = (fields: [string, Field][]): Field => ({
  type: 'record',
  required: true,
  record: record(fields),
});

export const requestTransformer: PluginDefinition = {
  protocols: protocolsAll,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['http_method', { type: 'string', match: /^[A-Z]+$/ }],
      [
        'remove',
        section([
          ['body', names],
          ['headers', headerNames],
          ['querystring', names],
        ]),
      ],
      [
        'rename',
        section([
          ['body', colonPairs],
          ['headers', colonPairs],
          ['querystring', colonPairs],
        ]),
      ],
      [
        'replace',
        section([
          ['body', colonPairs],
          ['headers', colonPairs],
          ['querystring', colonPairs],
          ['uri', str],
        ]),
      ],
      [
        'add',
        section([
          ['body', colonPairs],
          ['headers', colonPairs],
          ['querystring', colonPairs],
        ]),
      ],
      [
        'append',
        section([
          ['body', colonPairs],
          ['headers', colonPairs],
          ['querystring', colonPairs],
        ]),
      ],
    ]),
  },
};

const jsonTypes: Field = {
  type: 'array',
  default: [],
  required: true,
  elements: { type: 'string', oneOf: ['boolean', 'number', 'string'] },
};

export const responseTransformer: PluginDefinition = {
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      [
        'remove',
        section([
          ['json', names],
          ['headers', headerNames],
        ]),
      ],
      [
        'rename',
        section([
          ['json', colonPairs],
          ['headers', colonPairs],
        ]),
      ],
      [
        'replace',
        section([
          ['json', colonPairs],
          ['json_types', jsonTypes],
          ['headers', colonPairs],
        ]),
      ],
      [
        'add',
        section([
          ['json', colonPairs],
          ['json_types', jsonTypes],
          ['headers', colonPairs],
        ]),
      ],
      [
        'append',
        section([
          ['json', colonPairs],
          ['json_types', jsonTypes],
          ['headers', colonPairs],
        ]),
      ],
    ]),
  },
};

export const correlationId: PluginDefinition = {
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['header_name', { type: 'string', default: 'Kong-Request-ID' }],
      [
        'generator',
        {
          type: 'string',
          required: true,
          default: 'uuid#counter',
          oneOf: ['uuid', 'uuid#counter', 'tracker'],
        },
      ],
      ['echo_downstream', bool(false)],
    ]),
  },
};

/** Prometheus gained metric switches over 3.x minors; `kongVersion` picks the set. */
export function prometheus(minor: number): PluginDefinition {
  const fields: [string, Field][] = [
    ['per_consumer', bool(false)],
    ['status_code_metrics', bool(false)],
  ];
  if (minor >= 8) fields.push(['ai_metrics', bool(false)]);
  fields.push(
    ['latency_metrics', bool(false)],
    ['bandwidth_metrics', bool(false)],
    ['upstream_health_metrics', bool(false)],
  );
  if (minor >= 10) fields.push(['wasm_metrics', bool(false)]);
  return { protocols: protocolsAll, config: { type: 'record', required: true, record: record(fields) } };
}

export const degraphql: PluginDefinition = {
  enterprise: true,
  noConsumer: true,
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([['graphql_server_path', { type: 'string', required: true, default: '/graphql' }]]),
  },
};
