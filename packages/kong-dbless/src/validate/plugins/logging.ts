/**
 * The log plugins' schemas (kong/plugins/{http,tcp,udp,file}-log/schema.lua, Kong 3.10) and the typedefs
 * they share: `url`, `lua_code` and the queue record (kong/tools/queue_schema.lua).
 */
import { type Field, type Rec, record } from '../schema.ts';
import { headerName, host, port } from '../typedefs.ts';
import { bool, type PluginDefinition, protocolsAll } from './common.ts';

const VAULT_REF_RE = /^\{vault:\/\/.+\}$/;

/** What LuaSocket's `socket.url.parse` finds of a URL: its scheme and its authority's host and userinfo. */
export function parseSocketUrl(url: string): { scheme?: string; host?: string; userinfo?: string } {
  let rest = url.replace(/#.*$/s, '');
  const parsed: { scheme?: string; host?: string; userinfo?: string } = {};
  const scheme = /^([A-Za-z0-9][A-Za-z0-9+\-.]*):/.exec(rest);
  if (scheme) {
    parsed.scheme = scheme[1]!.toLowerCase();
    rest = rest.slice(scheme[0].length);
  }
  const authority = /^\/\/([^/]*)/.exec(rest);
  if (authority) {
    let hostPart = authority[1]!;
    const at = hostPart.lastIndexOf('@');
    if (at >= 0) {
      parsed.userinfo = hostPart.slice(0, at);
      hostPart = hostPart.slice(at + 1);
    }
    hostPart = hostPart.replace(/:(\d*)$/, '');
    if (hostPart !== '') parsed.host = hostPart.replace(/^\[(.*)\]$/, '$1');
  }
  return parsed;
}

/** typedefs.url: LuaSocket must find a host and a scheme; referenceable (a vault reference passes). */
export function urlField(extra: Partial<Field> = {}): Field {
  return {
    type: 'string',
    ...extra,
    custom: (v: string) => {
      if (VAULT_REF_RE.test(v)) return undefined;
      const parsed = parseSocketUrl(v);
      if (parsed.host === undefined) return 'missing host in url';
      if (parsed.scheme === undefined) return 'missing scheme in url';
      return undefined;
    },
  };
}

/**
 * typedefs.lua_code: a map of non-empty names to non-empty Lua expressions. Kong also compiles each
 * expression; the Lua syntax is not checked here.
 */
export const luaCode: Field = {
  type: 'map',
  keys: { type: 'string' },
  values: { type: 'string' },
};

const between = (lo: number, hi: number) => [lo, hi] as const;

/** typedefs.queue (kong/tools/queue_schema.lua); `concurrency_limit` came with Kong 3.8. */
export function queueField(minor: number): Field {
  const fields: [string, Field][] = [
    ['max_batch_size', { type: 'integer', default: 1, between: between(1, 1_000_000) }],
    ['max_coalescing_delay', { type: 'number', default: 1, between: between(0, 3600) }],
    ['max_entries', { type: 'integer', default: 10_000, between: between(1, 1_000_000) }],
    ['max_bytes', { type: 'integer' }],
    ['max_retry_time', { type: 'number', default: 60 }],
    ['initial_retry_delay', { type: 'number', default: 0.01, between: between(0.001, 1_000_000) }],
    ['max_retry_delay', { type: 'number', default: 60, between: between(0.001, 1_000_000) }],
  ];
  if (minor >= 8) fields.push(['concurrency_limit', { type: 'integer', default: 1, oneOf: [-1, 1] }]);
  return { type: 'record', required: true, record: record(fields) };
}

const httpLogHeaders: Field = {
  type: 'map',
  keys: {
    ...headerName,
    matchNone: [
      { pattern: /^[Hh][Oo][Ss][Tt]$/, err: "cannot contain 'Host' header" },
      {
        pattern: /^[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Ll][Ee][Nn][Gg][Tt][Hh]$/,
        err: "cannot contain 'Content-Length' header",
      },
      {
        pattern: /^[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Tt][Yy][Pp][Ee]$/,
        err: "cannot contain 'Content-Type' header",
      },
    ],
  },
  values: { type: 'string' },
};

/** http-log's config check: user info in the endpoint and an Authorization header are exclusive. */
function httpLogConfigError(config: Rec): string | undefined {
  const endpoint = config.http_endpoint;
  const headers = config.headers;
  if (typeof endpoint !== 'string' || !headers || typeof headers !== 'object') return undefined;
  if (parseSocketUrl(endpoint).userinfo === undefined) return undefined;
  return Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')
    ? "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed"
    : undefined;
}

export function httpLog(minor: number): PluginDefinition {
  return {
    protocols: protocolsAll,
    config: {
      type: 'record',
      required: true,
      custom: httpLogConfigError as (value: never) => string | undefined,
      record: record([
        ['http_endpoint', urlField({ required: true })],
        ['method', { type: 'string', default: 'POST', oneOf: ['POST', 'PUT', 'PATCH'] }],
        [
          'content_type',
          {
            type: 'string',
            default: 'application/json',
            oneOf: ['application/json', 'application/json; charset=utf-8'],
          },
        ],
        ['timeout', { type: 'number', default: 10_000 }],
        ['keepalive', { type: 'number', default: 60_000 }],
        // Deprecated since 3.3 (the queue replaced them), still accepted.
        ['retry_count', { type: 'integer' }],
        ['queue_size', { type: 'integer' }],
        ['flush_timeout', { type: 'number' }],
        ['headers', httpLogHeaders],
        ['queue', queueField(minor)],
        ['custom_fields_by_lua', luaCode],
      ]),
    },
  };
}

const hostRequired: Field = { ...host, required: true };
const portRequired: Field = { ...port, required: true };

export const tcpLog: PluginDefinition = {
  protocols: protocolsAll,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['host', hostRequired],
      ['port', portRequired],
      ['timeout', { type: 'number', default: 10_000 }],
      ['keepalive', { type: 'number', default: 60_000 }],
      ['tls', bool(false)],
      ['tls_sni', { type: 'string' }],
      ['custom_fields_by_lua', luaCode],
    ]),
  },
};

export const udpLog: PluginDefinition = {
  protocols: protocolsAll,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['host', hostRequired],
      ['port', portRequired],
      ['timeout', { type: 'number', default: 10_000 }],
      ['custom_fields_by_lua', luaCode],
    ]),
  },
};

export const fileLog: PluginDefinition = {
  protocols: protocolsAll,
  config: {
    type: 'record',
    required: true,
    record: record([
      ['path', { type: 'string', required: true, match: /^[^*&%\\`]+$/, err: 'not a valid filename' }],
      ['reopen', bool(false)],
      ['custom_fields_by_lua', luaCode],
    ]),
  },
};
