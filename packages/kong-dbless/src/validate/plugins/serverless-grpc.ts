/**
 * pre-function and post-function (kong/plugins/pre-function/_schema.lua), grpc-gateway, grpc-web,
 * request-size-limiting and bot-detection (their schema.lua files, Kong 3.10 OSS).
 */
import { regexError } from '../entities/route-paths.ts';
import { atLeastOneOf, type Field, record } from '../schema.ts';
import { prefixed } from './auth.ts';
import { bool, type PluginDefinition, protocolsAll, protocolsHttp } from './common.ts';

const PHASES = ['certificate', 'rewrite', 'access', 'header_filter', 'body_filter', 'log'] as const;

/** One phase's Lua chunks. Kong compiles each (`loadstring`); the Lua syntax is not checked here. */
const phaseFunctions: Field = { type: 'array', required: true, default: [], elements: { type: 'string' } };

/** pre-function/post-function: at least one phase must carry code. */
export const serverlessFunction: PluginDefinition = {
  noConsumer: true,
  protocols: protocolsAll,
  config: { type: 'record', required: true, record: record(PHASES.map((p) => [p, phaseFunctions])) },
  checks: [prefixed(atLeastOneOf(PHASES), PHASES, 'at least')],
};

export const grpcGateway: PluginDefinition = {
  protocols: protocolsHttp,
  config: { type: 'record', required: true, record: record([['proto', { type: 'string' }]]) },
};

export const grpcWeb: PluginDefinition = {
  protocols: protocolsAll,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['proto', { type: 'string' }],
      ['pass_stripped_path', { type: 'boolean' }],
      ['allow_origin_header', { type: 'string', default: '*' }],
    ]),
  },
};

export const requestSizeLimiting: PluginDefinition = {
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['allowed_payload_size', { type: 'integer', default: 128 }],
      [
        'size_unit',
        { type: 'string', required: true, default: 'megabytes', oneOf: ['megabytes', 'kilobytes', 'bytes'] },
      ],
      ['require_content_length', bool(false)],
    ]),
  },
};

/** `is_regex`: the element must compile as a (PCRE) regex. */
const regexes: Field = {
  type: 'array',
  default: [],
  elements: {
    type: 'string',
    custom: (v: string) => (regexError(v) === undefined ? undefined : `not a valid regex: ${v}`),
  },
};

export const botDetection: PluginDefinition = {
  noConsumer: true,
  protocols: protocolsHttp,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['allow', regexes],
      ['deny', regexes],
    ]),
  },
};
