import type { KongUpstreamEntity } from '../declarative.ts';
import { int, isRecord, type K8sObject, rec, specOf, str } from './k8s-object.ts';

const ALGORITHMS: ReadonlySet<string> = new Set([
  'round-robin',
  'consistent-hashing',
  'least-connections',
  'latency',
  'sticky-sessions',
]);
const HASH_INPUTS: ReadonlySet<string> = new Set(['ip', 'consumer', 'path', 'none']);

/**
 * KIC's `TranslateKongUpstreamPolicy`: a KongUpstreamPolicy spec as Kong upstream fields (camelCase → snake_case).
 * Returns the reason as a string when the spec is invalid (the API server's CRD validation would have refused it).
 */
export function translateUpstreamPolicy(policy: K8sObject): Partial<KongUpstreamEntity> | string {
  const spec = specOf(policy);
  const out: Partial<KongUpstreamEntity> = {};
  if (spec.algorithm !== undefined) {
    const algorithm = str(spec.algorithm);
    if (!algorithm || !ALGORITHMS.has(algorithm)) {
      return `spec.algorithm must be one of ${[...ALGORITHMS].join(', ')}`;
    }
    out.algorithm = algorithm;
  }
  if (spec.slots !== undefined) {
    const slots = int(spec.slots);
    if (slots === undefined || slots < 10 || slots > 65536)
      return 'spec.slots must be an integer between 10 and 65536';
    out.slots = slots;
  }
  for (const [field, prefix] of [
    ['hashOn', 'hash_on'],
    ['hashOnFallback', 'hash_fallback'],
  ] as const) {
    if (spec[field] === undefined) continue;
    const hash = rec(spec[field]);
    if (!hash) return `spec.${field} must be an object`;
    const result = translateHash(hash, prefix, field === 'hashOn');
    if (typeof result === 'string') return `spec.${field}: ${result}`;
    Object.assign(out, result);
  }
  if (spec.healthchecks !== undefined) {
    if (!isRecord(spec.healthchecks)) return 'spec.healthchecks must be an object';
    out.healthchecks = snakeCaseDeep(spec.healthchecks) as Record<string, unknown>;
  }
  // Kong 3.11's sticky-sessions balancer has cookie fields of its own (`hash_on_cookie*` belong to hashing).
  const sticky = rec(spec.stickySessions);
  if (sticky) {
    const cookie = str(sticky.cookie);
    if (cookie) out.sticky_sessions_cookie = cookie;
    const path = str(sticky.cookiePath);
    if (path) out.sticky_sessions_cookie_path = path;
  }
  return out;
}

function translateHash(
  hash: Record<string, unknown>,
  prefix: 'hash_on' | 'hash_fallback',
  allowCookie: boolean,
): Partial<KongUpstreamEntity> | string {
  const set = ['input', 'header', 'cookie', 'queryArg', 'uriCapture'].filter((k) => hash[k] !== undefined);
  if (set.length > 1)
    return `only one of input, header, cookie, queryArg, uriCapture may be set (found ${set.join(', ')})`;
  const out: Record<string, unknown> = {};
  const input = str(hash.input);
  if (hash.input !== undefined) {
    if (!input || !HASH_INPUTS.has(input)) return `input must be one of ${[...HASH_INPUTS].join(', ')}`;
    out[prefix] = input;
  } else if (hash.header !== undefined) {
    out[prefix] = 'header';
    out[`${prefix}_header`] = str(hash.header);
  } else if (hash.cookie !== undefined) {
    if (!allowCookie) return 'cookie cannot be used as a fallback';
    out[prefix] = 'cookie';
    out.hash_on_cookie = str(hash.cookie);
    const path = str(hash.cookiePath);
    if (path) out.hash_on_cookie_path = path;
  } else if (hash.queryArg !== undefined) {
    out[prefix] = 'query_arg';
    out[`${prefix}_query_arg`] = str(hash.queryArg);
  } else if (hash.uriCapture !== undefined) {
    out[prefix] = 'uri_capture';
    out[`${prefix}_uri_capture`] = str(hash.uriCapture);
  }
  for (const [k, v] of Object.entries(out))
    if (v === undefined) return `${k.replace(`${prefix}_`, '')} must be a string`;
  return out as Partial<KongUpstreamEntity>;
}

const SPECIAL_KEYS: Record<string, string> = {
  httpsSni: 'https_sni',
  httpPath: 'http_path',
  httpsVerifyCertificate: 'https_verify_certificate',
  httpStatuses: 'http_statuses',
  httpFailures: 'http_failures',
  tcpFailures: 'tcp_failures',
};

/** camelCase → snake_case on keys, except inside `headers` (header names are data, not fields). */
function snakeCaseDeep(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => snakeCaseDeep(v, parentKey));
  if (!isRecord(value)) return value;
  if (parentKey === 'headers') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = SPECIAL_KEYS[k] ?? k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[key] = snakeCaseDeep(v, k);
  }
  return out;
}
