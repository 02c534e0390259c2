import { conditional, type Field, type Rec, record, thenMatch } from '../schema.ts';
import * as t from '../typedefs.ts';
import type { Shorthand } from './registry.ts';

const STREAM_OR_GRPC = new Set(['tcp', 'tls', 'tls_passthrough', 'udp', 'grpc', 'grpcs']);
const TLS_UPSTREAM = new Set(['https', 'tls', 'grpcs']);
const notTls = (v: unknown) => typeof v === 'string' && !TLS_UPSTREAM.has(v);

/** kong/db/schema/entities/services.lua */
export const services = record(
  [
    ['id', t.uuidField],
    ['created_at', t.timestamp],
    ['updated_at', t.timestamp],
    ['name', t.utf8Name],
    ['retries', { type: 'integer', default: 5, between: [0, 32767] }],
    ['protocol', { ...t.protocol, required: true, default: 'http' }],
    ['host', { ...t.host, required: true }],
    ['port', { ...t.port, required: true, default: 80 }],
    ['path', t.path],
    ['connect_timeout', { ...t.timeout, default: 60000 }],
    ['write_timeout', { ...t.timeout, default: 60000 }],
    ['read_timeout', { ...t.timeout, default: 60000 }],
    ['tags', t.tags],
    ['client_certificate', { type: 'foreign', reference: 'certificates' }],
    ['tls_verify', { type: 'boolean' }],
    ['tls_verify_depth', { type: 'integer', between: [0, 64] }],
    ['ca_certificates', { type: 'array', elements: { type: 'string', uuid: true } }],
    ['enabled', { type: 'boolean', required: true, default: true }],
  ] satisfies [string, Field][],
  [
    conditional('protocol', (v) => typeof v === 'string' && STREAM_OR_GRPC.has(v), 'path', thenMatch.isNull),
    conditional('protocol', notTls, 'client_certificate', thenMatch.isNull),
    conditional('protocol', notTls, 'tls_verify', thenMatch.isNull),
    conditional('protocol', notTls, 'tls_verify_depth', thenMatch.isNull),
    conditional('protocol', notTls, 'ca_certificates', thenMatch.isNull),
  ],
);

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, grpc: 80, grpcs: 443 };

const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]*)(?::(\d*))?([^?#]*)/;

/**
 * The `url` shorthand of a service: parsed into protocol/host/port/path before validation (Kong's
 * `shorthand_fields`), on a copy. The rewrite's error is set for an unparsable URL.
 */
export function expandServiceUrl(input: Rec): Shorthand | undefined {
  const url = input.url;
  if (url === undefined || url === null) return undefined;
  const entity = { ...input };
  delete entity.url;
  if (typeof url !== 'string') return { entity, error: 'expected a string' };
  const m = URL_RE.exec(url);
  if (!m || m[2] === '') return { entity, error: 'missing host in url' };
  const scheme = m[1]!.toLowerCase();
  entity.protocol = scheme;
  entity.host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  entity.port = m[3] ? Number(m[3]) : (DEFAULT_PORTS[scheme] ?? 80);
  entity.path = m[4] ? m[4] : null;
  return { entity };
}
