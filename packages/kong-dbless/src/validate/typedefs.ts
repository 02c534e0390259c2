/**
 * Kong's reusable field definitions (`kong/db/schema/typedefs.lua`) with their validators and messages.
 */
import type { Field } from './schema.ts';

const NAME_RE = /^[A-Za-z0-9.\-_~\u0080-\u{10FFFF}]+$/u;

/** utf8_name: services, routes, plugin instance names. */
export const utf8Name: Field = {
  type: 'string',
  unique: true,
  custom: (v: string) =>
    NAME_RE.test(v)
      ? undefined
      : `invalid value '${v}': the only accepted ascii characters are alphanumerics or ., -, _, and ~`,
};

const TAG_RE = /^[\u0020-\u002b\u002d-\u002e\u0030-\u007e\u0080-\u{10FFFF}]+$/u;

/** Tags: a set of non-empty printable strings without `,` or `/`. */
export const tags: Field = {
  type: 'set',
  elements: {
    type: 'string',
    custom: (v: string) =>
      TAG_RE.test(v)
        ? undefined
        : `invalid tag '${v}': expected printable ascii (except \`,\` and \`/\`) or valid utf-8 sequences`,
  },
};

export const uuidField: Field = { type: 'string', uuid: true, auto: true };
export const timestamp: Field = { type: 'integer', auto: true };

export const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp'] as const;
export const HTTP_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https'] as const;
export const protocol: Field = { type: 'string', oneOf: PROTOCOLS };

export const port: Field = { type: 'integer', between: [0, 65535] };

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(value: string): boolean {
  return IPV4_RE.test(value);
}

const IPV6_CHARS_RE = /^[0-9A-Fa-f:.]+$/;
const IPV6_GROUP_RE = /^[0-9A-Fa-f]{1,4}$/;

export function isIpv6(value: string): boolean {
  // Every IPv6 form has at least two colons (`::` or eight groups); `host:port` has one.
  const colon = value.indexOf(':');
  if (colon < 0 || colon === value.lastIndexOf(':') || !IPV6_CHARS_RE.test(value)) return false;
  // `:::1` splits like `::` + `:1`; three colons in a row are never an address (Kong 3.10 specs).
  if (value.includes(':::')) return false;
  const double = value.split('::');
  if (double.length > 2) return false;
  const groups = value.split(':').filter((g) => g !== '');
  const last = groups[groups.length - 1];
  let count = groups.length;
  if (last?.includes('.')) {
    if (!isIpv4(last)) return false;
    count += 1;
  }
  if (groups.some((g, i) => !(i === groups.length - 1 && g.includes('.')) && !IPV6_GROUP_RE.test(g)))
    return false;
  return double.length === 2 ? count < 8 : count === 8;
}

export function isIp(value: string): boolean {
  return isIpv4(value) || isIpv6(value);
}

/** A hostname made of `[A-Za-z0-9-._]` labels, none empty (except a trailing dot) nor starting or ending in `-`. */
export function isHostname(value: string, allowWildcard = false): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const end = value.endsWith('.') ? value.length - 1 : value.length;
  let start = 0;
  for (;;) {
    let dot = value.indexOf('.', start);
    if (dot < 0 || dot > end) dot = end;
    const wildcard =
      allowWildcard && (start === 0 || dot === end) && dot - start === 1 && value[start] === '*';
    if (!wildcard && !isLabel(value, start, dot)) return false;
    if (dot >= end) return true;
    start = dot + 1;
  }
}

/**
 * `value[start, end)` matches `^[A-Za-z0-9_-]*[A-Za-z0-9_]$`: Kong's `check_hostname` rejects only a
 * trailing dash (a leading one is valid punycode, e.g. `-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n`).
 */
function isLabel(value: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = value.charCodeAt(i);
    const ok =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x5f ||
      c === 0x2d;
    if (!ok) return false;
  }
  return value.charCodeAt(end - 1) !== 0x2d;
}

interface HostPort {
  host: string;
  port?: number;
  portError?: boolean;
}

const COLON_PORT_RE = /^:\d+$/;
const DIGITS_RE = /^\d+$/;

/** Splits `host[:port]` as Kong's `normalize_ip`/`hostname_type` do (IPv6 needs brackets with a port). */
export function splitHostPort(value: string): HostPort {
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close < 0) return { host: value };
    const host = value.slice(1, close);
    const rest = value.slice(close + 1);
    if (rest === '') return { host };
    if (!COLON_PORT_RE.test(rest)) return { host, portError: true };
    return checkPort(host, rest.slice(1));
  }
  if (isIpv6(value)) return { host: value };
  const colon = value.lastIndexOf(':');
  if (colon < 0) return { host: value };
  const rawPort = value.slice(colon + 1);
  if (!DIGITS_RE.test(rawPort)) return { host: value, portError: true };
  return checkPort(value.slice(0, colon), rawPort);
}

function checkPort(host: string, rawPort: string): HostPort {
  const portNumber = Number(rawPort);
  return portNumber > 65535 ? { host, port: portNumber, portError: true } : { host, port: portNumber };
}

function countStars(value: string): number {
  let count = 0;
  for (let at = value.indexOf('*'); at >= 0; at = value.indexOf('*', at + 1)) count++;
  return count;
}

/**
 * typedefs.host: hostname or IP, no port. A port out of range is normalize_ip's `invalid port number`,
 * which validate_host reports as a port (05-services_spec.lua:391).
 */
export const host: Field = {
  type: 'string',
  custom: (v: string) => {
    const hp = splitHostPort(v);
    if (hp.port !== undefined) return 'must not have a port';
    if (hp.portError) return `invalid value: ${v}`;
    return isIp(hp.host) || isHostname(hp.host) ? undefined : `invalid value: ${v}`;
  },
};

/**
 * typedefs.host_with_optional_port: passes normalize_ip's own error on, which Kong 3.10 reworded
 * (`invalid hostname: …`, `invalid port number`; 09-upstreams_spec.lua:341).
 */
export function hostWithOptionalPortField(minor: number): Field {
  const v310 = minor >= 10;
  const invalid = (v: string) => (v310 ? `invalid hostname: ${v}` : `invalid value: ${v}`);
  return {
    type: 'string',
    custom: (v: string) => {
      const hp = splitHostPort(v);
      if (hp.portError) return v310 && hp.port !== undefined ? 'invalid port number' : invalid(v);
      return isIp(hp.host) || isHostname(hp.host) ? undefined : invalid(v);
    },
  };
}

/**
 * typedefs.wildcard_host: a hostname with an optional leading or trailing `*` label, optional port. Kong
 * 3.10 reworded its errors (`invalid hostname: …`, `invalid port number`, `invalid wildcard: …`).
 */
export function wildcardHostField(minor: number): Field {
  const v310 = minor >= 10;
  return {
    type: 'string',
    custom: (v: string) => {
      const hp = splitHostPort(v);
      if (hp.portError) return v310 && hp.port !== undefined ? 'invalid port number' : invalid(v);
      const stars = countStars(hp.host);
      if (stars > 1)
        return v310
          ? 'invalid wildcard: must have at most one wildcard'
          : 'only one wildcard must be specified';
      if (stars === 1 && !hp.host.startsWith('*.') && !hp.host.endsWith('.*'))
        return v310
          ? 'invalid wildcard: must be placed at leftmost or rightmost label'
          : 'wildcard must be leftmost or rightmost character';
      return isIp(hp.host) || isHostname(hp.host, true) ? undefined : invalid(v);
    },
  };
  function invalid(v: string): string {
    return v310 ? `invalid hostname: ${v}` : `invalid value: ${v}`;
  }
}

export const wildcardHost: Field = wildcardHostField(9);

/** typedefs.sni: a hostname (wildcard allowed), not an IP, no port. */
export const sni: Field = {
  type: 'string',
  custom: (v: string) => {
    if (isIp(v)) return `must not be an IP`;
    const hp = splitHostPort(v);
    // Kong normalizes first: an unparsable port is an invalid value, an IP with a port is still an IP.
    if (hp.portError && hp.port === undefined) return `invalid value: ${v}`;
    if (hp.port !== undefined && isIp(hp.host)) return 'must not be an IP';
    if (hp.port !== undefined || hp.portError) return 'must not have a port';
    const stars = countStars(v);
    if (stars > 1) return 'only one wildcard must be specified';
    if (stars === 1 && !v.startsWith('*.') && !v.endsWith('.*'))
      return 'wildcard must be leftmost or rightmost character';
    return isHostname(v, true) ? undefined : `invalid value: ${v}`;
  },
};

const HEADER_NAME_RE = /^[A-Za-z0-9_-]+$/;

export function headerNameError(v: string): string | undefined {
  return HEADER_NAME_RE.test(v)
    ? undefined
    : `bad header name '${v}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;
}

export const headerName: Field = { type: 'string', custom: headerNameError };

const PATH_CHARS_RE = /^[A-Za-z0-9.\-_~/%:@!$&'()*+,;=]*$/;
const BAD_ESCAPE_RE = /%(?![0-9A-Fa-f]{2})../;
const TRAILING_ESCAPE_RE = /%.?$/;
const NOT_AN_ESCAPE_RE = /%(?![0-9A-Fa-f]{2})/;

/** typedefs.path (service paths): starts with `/`, RFC 3986 characters, valid `%XX` escapes, no `//`. */
export const path: Field = {
  type: 'string',
  startsWith: '/',
  matchNone: [{ pattern: /\/\//, err: 'must not have empty segments' }],
  custom: (v: string) => {
    if (!PATH_CHARS_RE.test(v))
      return `invalid path: '${v}' (characters outside of the reserved list of RFC 3986 found)`;
    if (!v.includes('%')) return undefined;
    const bad = BAD_ESCAPE_RE.exec(v)?.[0] ?? TRAILING_ESCAPE_RE.exec(v)?.[0];
    if (bad !== undefined && NOT_AN_ESCAPE_RE.test(v)) return `invalid url-encoded value: '${bad}'`;
    return undefined;
  },
};

const CIDR_V4_RE = /^(.+)\/(\d{1,2})$/;

export function isCidrOrIp(v: string): boolean {
  if (isIp(v)) return true;
  const m = CIDR_V4_RE.exec(v) ?? /^(.+)\/(\d{1,3})$/.exec(v);
  if (!m) return false;
  const bits = Number(m[2]);
  if (isIpv4(m[1]!)) return bits <= 32;
  if (isIpv6(m[1]!)) return bits <= 128;
  return false;
}

export const ipOrCidr: Field = {
  type: 'string',
  custom: (v: string) => (isCidrOrIp(v) ? undefined : `invalid ip or cidr range: '${v}'`),
};

/** A timeout in milliseconds. */
export const timeout: Field = { type: 'integer', between: [1, 2 ** 31 - 2] };
