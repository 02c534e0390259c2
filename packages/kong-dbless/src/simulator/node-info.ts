/**
 * What `GET /` says about a node beyond its version: the parsed `proxy_listen` / `stream_listen`
 * (`configuration.proxy_listeners`, `stream_listeners`, kong/conf_loader/listeners.lua) and the plugins it
 * can run (`plugins.available_on_server`). KIC reads both: the listeners decide which Gateway listeners it
 * supports (go-kong `Listeners()`), the plugin list which KongPlugins it may send.
 */

/** Kong's listener option flags: each parsed listener carries every flag, true when set. */
const LISTENER_FLAGS = [
  'ssl',
  'http2',
  'proxy_protocol',
  'deferred',
  'bind',
  'reuseport',
  'backlog=%d+',
  'ipv6only=on',
  'ipv6only=off',
  'so_keepalive=on',
  'so_keepalive=off',
  'so_keepalive=%w*:%w*:%d*',
] as const;

export interface ListenerSpec {
  ip: string;
  port: number;
  ssl?: boolean;
  http2?: boolean;
}

/** One parsed `proxy_listen` entry as Kong reports it. */
export function proxyListener(spec: ListenerSpec): Record<string, unknown> {
  const flags: Record<string, boolean> = Object.fromEntries(LISTENER_FLAGS.map((f) => [f, false]));
  flags.ssl = spec.ssl === true;
  flags.http2 = spec.http2 === true;
  const options = [spec.http2 ? 'http2' : '', spec.ssl ? 'ssl' : ''].filter(Boolean).join(' ');
  const address = `${spec.ip}:${spec.port}`;
  return { ...flags, ip: spec.ip, port: spec.port, listener: options ? `${address} ${options}` : address };
}

/**
 * The proxy listeners: the data plane's when it serves traffic, else Kong's default `proxy_listen`
 * (`0.0.0.0:8000`, `0.0.0.0:8443 http2 ssl`), which is what such a node is configured with.
 */
export function proxyListeners(
  host: string,
  ports: { http?: number | undefined; https?: number | undefined },
): Record<string, unknown>[] {
  if (ports.http === undefined && ports.https === undefined) {
    return [
      proxyListener({ ip: '0.0.0.0', port: 8000 }),
      proxyListener({ ip: '0.0.0.0', port: 8443, ssl: true, http2: true }),
    ];
  }
  const out: Record<string, unknown>[] = [];
  if (ports.http !== undefined) out.push(proxyListener({ ip: host, port: ports.http }));
  if (ports.https !== undefined)
    out.push(proxyListener({ ip: host, port: ports.https, ssl: true, http2: true }));
  return out;
}

/** Each bundled plugin's handler `PRIORITY` in Kong 3.10 (what `available_on_server` reports). */
const PRIORITIES: Record<string, number> = {
  'pre-function': 1_000_000,
  'correlation-id': 100_001,
  zipkin: 100_000,
  'bot-detection': 2500,
  cors: 2000,
  session: 1900,
  acme: 1705,
  degraphql: 1500,
  jwt: 1450,
  oauth2: 1400,
  'key-auth': 1250,
  'ldap-auth': 1200,
  'basic-auth': 1100,
  'hmac-auth': 1030,
  'grpc-gateway': 998,
  'ip-restriction': 990,
  'request-size-limiting': 951,
  acl: 950,
  'rate-limiting': 910,
  'response-ratelimiting': 900,
  'request-transformer': 801,
  'response-transformer': 800,
  redirect: 779,
  'ai-request-transformer': 777,
  'ai-prompt-template': 773,
  'ai-prompt-decorator': 772,
  'ai-prompt-guard': 771,
  'ai-proxy': 770,
  'ai-response-transformer': 768,
  'standard-webhooks': 760,
  'aws-lambda': 750,
  'azure-functions': 749,
  'proxy-cache': 100,
  opentelemetry: 14,
  prometheus: 13,
  'http-log': 12,
  statsd: 11,
  datadog: 10,
  'file-log': 9,
  'udp-log': 8,
  'tcp-log': 7,
  loggly: 6,
  syslog: 4,
  'grpc-web': 3,
  'request-termination': 2,
  'post-function': -1000,
};

/** `plugins.available_on_server`: name → `{ version, priority }` (bundled plugins carry Kong's version). */
export function availableOnServer(names: readonly string[], version: string): Record<string, unknown> {
  return Object.fromEntries(
    names.map((name) => [
      name,
      PRIORITIES[name] === undefined ? { version } : { version, priority: PRIORITIES[name] },
    ]),
  );
}
