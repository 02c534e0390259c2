/** kong/db/schema/entities/upstreams.lua and targets.lua */
import {
  conditional,
  distinct,
  type Field,
  type Rec,
  type RecordSchema,
  record,
  thenMatch,
} from '../schema.ts';
import * as t from '../typedefs.ts';
import type { Shorthand } from './registry.ts';

const HASH_ON = ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'];

const DIGITS_AND_DOTS_RE = /^[\d.]+$/;

const upstreamName: Field = {
  type: 'string',
  required: true,
  unique: true,
  custom: (v: string) => {
    const hp = t.splitHostPort(v);
    if (t.isIp(hp.host)) return `Invalid name ('${v}'); no ip addresses allowed`;
    // Kong's hostname_type calls anything of digits and dots an IPv4 address, so `1234` is no name
    // (09-upstreams_spec.lua:49).
    if (DIGITS_AND_DOTS_RE.test(hp.host)) return `Invalid name ('${v}'); must be a valid hostname`;
    if (hp.port !== undefined || hp.portError) return `Invalid name ('${v}'); no port allowed`;
    return t.isHostname(v) ? undefined : `Invalid name ('${v}'); must be a valid hostname`;
  },
};

const statuses = (d: number[]): Field => ({
  type: 'array',
  default: d,
  elements: { type: 'integer', between: [100, 999] },
});
const counter: Field = { type: 'integer', default: 0, between: [0, 255] };
const interval: Field = { type: 'number', default: 0, between: [0, 65535] };
const checkType: Field = {
  type: 'string',
  default: 'http',
  oneOf: ['tcp', 'http', 'https', 'grpc', 'grpcs'],
};

const activeHealthy = record([
  ['interval', interval],
  ['http_statuses', statuses([200, 302])],
  ['successes', counter],
]);
const activeUnhealthy = record([
  ['interval', interval],
  ['http_statuses', statuses([429, 404, 500, 501, 502, 503, 504, 505])],
  ['tcp_failures', counter],
  ['timeouts', counter],
  ['http_failures', counter],
]);
const passiveHealthy = record([
  [
    'http_statuses',
    statuses([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308]),
  ],
  ['successes', counter],
]);
const passiveUnhealthy = record([
  ['http_statuses', statuses([429, 500, 503])],
  ['tcp_failures', counter],
  ['timeouts', counter],
  ['http_failures', counter],
]);
const healthchecks = record([
  [
    'active',
    {
      type: 'record',
      record: record([
        ['type', checkType],
        ['timeout', { type: 'number', default: 1, between: [0, 65535] }],
        // Kong's bound is `2 ^ 31`.
        ['concurrency', { type: 'integer', default: 10, between: [1, 2 ** 31] }],
        ['http_path', { ...t.path, default: '/' }],
        // typedefs.sni: Kong 3.10 rejects an IP here ('must not be an IP', 09-upstreams_spec.lua:496).
        ['https_sni', t.sni],
        ['https_verify_certificate', { type: 'boolean', default: true }],
        [
          'headers',
          { type: 'map', keys: t.headerName, values: { type: 'array', elements: { type: 'string' } } },
        ],
        ['healthy', { type: 'record', record: activeHealthy }],
        ['unhealthy', { type: 'record', record: activeUnhealthy }],
      ]),
    },
  ],
  [
    'passive',
    {
      type: 'record',
      record: record([
        ['type', checkType],
        ['healthy', { type: 'record', record: passiveHealthy }],
        ['unhealthy', { type: 'record', record: passiveUnhealthy }],
      ]),
    },
  ],
  ['threshold', { type: 'number', default: 0, between: [0, 100] }],
]);

const is = (mode: string) => (v: unknown) => v === mode;
const oneOf = (allowed: string[]) => (v: unknown) =>
  v === null || v === undefined || allowed.includes(v as string)
    ? undefined
    : `expected one of: ${allowed.join(', ')}`;

/** The balancer algorithms of a Kong minor: `sticky-sessions` came with 3.11. */
export function upstreamAlgorithms(minor: number): string[] {
  const algorithms = ['consistent-hashing', 'least-connections', 'round-robin', 'latency'];
  return minor >= 11 ? [...algorithms, 'sticky-sessions'] : algorithms;
}

/** Kong 3.11's sticky-sessions balancer: the cookie it sets and that cookie's path. */
const STICKY_SESSION_FIELDS: [string, Field][] = [
  ['sticky_sessions_cookie', { type: 'string', match: /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/ }],
  ['sticky_sessions_cookie_path', { ...t.path, default: '/' }],
];

function buildUpstreams(minor: number): RecordSchema {
  return record(
    [
      ['id', t.uuidField],
      ['created_at', t.timestamp],
      ['updated_at', t.timestamp],
      ['name', upstreamName],
      ['algorithm', { type: 'string', default: 'round-robin', oneOf: upstreamAlgorithms(minor) }],
      ['hash_on', { type: 'string', default: 'none', oneOf: HASH_ON }],
      ['hash_fallback', { type: 'string', default: 'none', oneOf: HASH_ON }],
      ['hash_on_header', t.headerName],
      ['hash_fallback_header', t.headerName],
      ['hash_on_cookie', { type: 'string', match: /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/ }],
      ['hash_on_cookie_path', { ...t.path, default: '/' }],
      ['hash_on_query_arg', { type: 'string' }],
      ['hash_fallback_query_arg', { type: 'string' }],
      ['hash_on_uri_capture', { type: 'string' }],
      ['hash_fallback_uri_capture', { type: 'string' }],
      ['slots', { type: 'integer', default: 10000, between: [10, 2 ** 16] }],
      ['healthchecks', { type: 'record', record: healthchecks }],
      ['tags', t.tags],
      ['host_header', t.hostWithOptionalPortField(minor)],
      ['client_certificate', { type: 'foreign', reference: 'certificates' }],
      ['use_srv_name', { type: 'boolean', default: false }],
      ...(minor >= 11 ? STICKY_SESSION_FIELDS : []),
    ],
    [
      ...(minor >= 11
        ? [conditional('algorithm', is('sticky-sessions'), 'sticky_sessions_cookie', thenMatch.required)]
        : []),
      conditional('hash_on', is('header'), 'hash_on_header', thenMatch.required),
      conditional('hash_fallback', is('header'), 'hash_fallback_header', thenMatch.required),
      conditional('hash_on', is('cookie'), 'hash_on_cookie', thenMatch.required),
      conditional('hash_fallback', is('cookie'), 'hash_on_cookie', thenMatch.required),
      conditional('hash_on', is('none'), 'hash_fallback', oneOf(['none'])),
      conditional('hash_on', is('cookie'), 'hash_fallback', oneOf(['none'])),
      conditional(
        'hash_on',
        is('consumer'),
        'hash_fallback',
        oneOf(['none', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture']),
      ),
      conditional(
        'hash_on',
        is('ip'),
        'hash_fallback',
        oneOf(['none', 'consumer', 'header', 'cookie', 'path', 'query_arg', 'uri_capture']),
      ),
      conditional(
        'hash_on',
        is('path'),
        'hash_fallback',
        oneOf(['none', 'consumer', 'ip', 'header', 'cookie', 'query_arg', 'uri_capture']),
      ),
      conditional('hash_on', is('query_arg'), 'hash_on_query_arg', thenMatch.required),
      conditional('hash_fallback', is('query_arg'), 'hash_fallback_query_arg', thenMatch.required),
      conditional('hash_on', is('uri_capture'), 'hash_on_uri_capture', thenMatch.required),
      conditional('hash_fallback', is('uri_capture'), 'hash_fallback_uri_capture', thenMatch.required),
      distinct(['hash_on_header', 'hash_fallback_header']),
      distinct(['hash_on_query_arg', 'hash_fallback_query_arg']),
      distinct(['hash_on_uri_capture', 'hash_fallback_uri_capture']),
    ],
  );
}

const cache = new Map<number, RecordSchema>();

/** The upstreams schema of a Kong minor (3.10 reworded `host_header`'s errors); memoized. */
export function upstreamsSchema(minor: number): RecordSchema {
  let schema = cache.get(minor);
  if (!schema) {
    schema = buildUpstreams(minor);
    cache.set(minor, schema);
  }
  return schema;
}

/**
 * Kong's upstream shorthands, applied before validation (on a copy): least-connections/latency clear
 * `hash_on`; otherwise an explicit `hash_on` rewrites `algorithm` (non-none → consistent-hashing, none →
 * round-robin).
 */
export function rewriteUpstreamAlgorithm(input: Rec, minor: number): Shorthand | undefined {
  const algorithm = input.algorithm;
  // An algorithm the version does not know is left for validation to refuse (Kong's `expected one of`), and
  // sticky sessions keep theirs: a hash_on must not turn them into another balancer.
  if (typeof algorithm === 'string' && !upstreamAlgorithms(minor).includes(algorithm)) return undefined;
  if (algorithm === 'sticky-sessions') return undefined;
  if (algorithm === 'least-connections' || algorithm === 'latency') {
    return input.hash_on === undefined ? undefined : { entity: { ...input, hash_on: 'none' } };
  }
  if (typeof input.hash_on === 'string') {
    return {
      entity: { ...input, algorithm: input.hash_on === 'none' ? 'round-robin' : 'consistent-hashing' },
    };
  }
  return undefined;
}

/** targets.lua's validate_target: whatever normalize_ip refuses, a bad port included, is one message. */
function targetError(v: string): string | undefined {
  const hp = t.splitHostPort(v);
  return !hp.portError && (t.isIp(hp.host) || t.isHostname(hp.host))
    ? undefined
    : `Invalid target ('${v}'); not a valid hostname or ip address`;
}

export const targets = record([
  ['id', t.uuidField],
  ['created_at', { type: 'number', auto: true }],
  ['updated_at', { type: 'number', auto: true }],
  ['upstream', { type: 'foreign', reference: 'upstreams', required: true }],
  ['target', { type: 'string', required: true, custom: targetError }],
  ['weight', { type: 'integer', default: 100, between: [0, 65535] }],
  ['tags', t.tags],
]);
