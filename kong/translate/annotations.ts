/**
 * The annotations KIC reads (`internal/annotations/annotations.go`), with KIC's parsing rules. Parsers return the
 * parsed value or an `invalid` message; callers keep KIC's behaviour (ignore the value) and report the message.
 */

export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const PREFIX = 'konghq.com';

export const A = {
  plugins: `${PREFIX}/plugins`,
  protocol: `${PREFIX}/protocol`,
  protocols: `${PREFIX}/protocols`,
  clientCert: `${PREFIX}/client-cert`,
  stripPath: `${PREFIX}/strip-path`,
  path: `${PREFIX}/path`,
  httpsRedirectCode: `${PREFIX}/https-redirect-status-code`,
  forceSslRedirect: 'ingress.kubernetes.io/force-ssl-redirect',
  preserveHost: `${PREFIX}/preserve-host`,
  regexPriority: `${PREFIX}/regex-priority`,
  hostHeader: `${PREFIX}/host-header`,
  methods: `${PREFIX}/methods`,
  snis: `${PREFIX}/snis`,
  requestBuffering: `${PREFIX}/request-buffering`,
  responseBuffering: `${PREFIX}/response-buffering`,
  hostAliases: `${PREFIX}/host-aliases`,
  regexPrefix: `${PREFIX}/regex-prefix`,
  connectTimeout: `${PREFIX}/connect-timeout`,
  writeTimeout: `${PREFIX}/write-timeout`,
  readTimeout: `${PREFIX}/read-timeout`,
  retries: `${PREFIX}/retries`,
  headersPrefix: `${PREFIX}/headers.`,
  headersSeparator: `${PREFIX}/headers-separator`,
  pathHandling: `${PREFIX}/path-handling`,
  tags: `${PREFIX}/tags`,
  rewrite: `${PREFIX}/rewrite`,
  upstreamPolicy: `${PREFIX}/upstream-policy`,
  tlsVerify: `${PREFIX}/tls-verify`,
  tlsVerifyDepth: `${PREFIX}/tls-verify-depth`,
  caCertSecrets: `${PREFIX}/ca-certificates-secrets`,
  caCertConfigMaps: `${PREFIX}/ca-certificates-configmaps`,
  serviceUpstream: 'ingress.kubernetes.io/service-upstream',
  override: `${PREFIX}/override`,
} as const;

/** Names from `konghq.com/plugins`: comma separated, trimmed, empty items dropped. */
export function pluginNames(anns: Record<string, string>): string[] {
  const value = anns[A.plugins];
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Kong's protocol names accepted by KIC's `util.ValidateProtocol`. */
export const KONG_PROTOCOLS: ReadonlySet<string> = new Set([
  'http',
  'https',
  'grpc',
  'grpcs',
  'tcp',
  'tls',
  'tls_passthrough',
  'udp',
  'ws',
  'wss',
]);

export type Parsed<T> = { value: T } | { invalid: string } | undefined;

/** KIC's strip-path/preserve-host: case-insensitive `true`/`false`, anything else ignored. */
export function parseTrueFalse(anns: Record<string, string>, key: string): Parsed<boolean> {
  const raw = anns[key];
  if (raw === undefined || raw === '') return undefined;
  const lower = raw.toLowerCase();
  if (lower === 'true') return { value: true };
  if (lower === 'false') return { value: false };
  return { invalid: `annotation ${key}: "${raw}" is not true or false; ignored` };
}

/** Go's strconv.ParseBool (after lower-casing, as KIC does for request/response buffering). */
export function parseGoBool(anns: Record<string, string>, key: string): Parsed<boolean> {
  const raw = anns[key];
  if (raw === undefined) return undefined;
  const lower = raw.toLowerCase();
  if (['1', 't', 'true'].includes(lower)) return { value: true };
  if (['0', 'f', 'false'].includes(lower)) return { value: false };
  return { invalid: `annotation ${key}: "${raw}" is not a boolean; ignored` };
}

/** Go's strconv.Atoi: optional sign and decimal digits, 64-bit range. */
export function parseGoInt(anns: Record<string, string>, key: string): Parsed<number> {
  const raw = anns[key];
  if (raw === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(raw)) return { invalid: `annotation ${key}: "${raw}" is not an integer; ignored` };
  const value = Number(raw);
  if (!Number.isSafeInteger(value))
    return { invalid: `annotation ${key}: "${raw}" is out of range; ignored` };
  return { value };
}

/** `konghq.com/headers.<name>` annotations; values split on `konghq.com/headers-separator` (default `,`). */
export function extractHeaders(anns: Record<string, string>): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const separator = anns[A.headersSeparator] ?? ',';
  for (const key of Object.keys(anns).sort()) {
    if (!key.startsWith(A.headersPrefix)) continue;
    const name = key.slice(A.headersPrefix.length);
    const value = anns[key]!;
    if (name === '' || value === '') continue;
    headers.set(
      name,
      (separator === '' ? [...value] : value.split(separator)).map((v) => v.trim()),
    );
  }
  return headers;
}

/** Comma-separated list annotation; undefined when absent, `[]` when present but empty. */
export function commaList(anns: Record<string, string>, key: string): string[] | undefined {
  const raw = anns[key];
  if (raw === undefined) return undefined;
  if (raw === '') return [];
  return raw.split(',');
}
