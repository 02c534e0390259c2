import { existsSync } from 'node:fs';
import { z } from 'zod';
import {
  DRIFT_INTERVAL_MS,
  PUSH_BACKOFF,
  STATUS_PROBE_INTERVAL_MS,
  STATUS_PROBE_MAX_PER_SECOND,
} from '../domain/policies.ts';
import { TRAFFIC_SCRAPE_INTERVAL_MS } from '../jobs/traffic-scrape.ts';
import {
  DEFAULT_FEATURE_FLAGS,
  type FeatureFlags,
  KIC_GATEWAY_CONTROLLER,
  KONG_FLEET_GATEWAY_CONTROLLER,
} from '../kong/translate/index.ts';
import { formatDuration, parseDuration } from '../lib/duration.ts';
import { roles } from '../queue/define-job.ts';

/**
 * Every setting of `kong-fleet run`, declared once: its environment variable, its flag, its default
 * (as a user would write it) and the zod schema that turns the text into a typed value. Precedence
 * is flag > environment > default; see workers/config.ts.
 */
export interface SettingSpec<T> {
  readonly env: string;
  readonly flag: string;
  readonly default: string | undefined;
  readonly help: string;
  readonly schema: z.ZodType<T, string>;
  /** Mask the value in error messages (URLs with passwords, tokens). */
  readonly secret?: boolean;
}

function setting<T, Default extends string | undefined>(
  spec: SettingSpec<T> & { readonly default: Default },
): SettingSpec<T> & { readonly default: Default } {
  return spec;
}

const duration = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration between ${formatDuration(min)} and ${formatDuration(max)} (e.g. 500ms, 10s, 5m)`,
      });
      return z.NEVER;
    }
    return ms;
  });

const integer = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return value;
  });

const redisUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'expected a redis:// or rediss:// URL with a host, e.g. redis://127.0.0.1:6379' },
);

/** `host:port,…` of Redis Sentinels or Redis Cluster nodes. */
const hostPortList = (example: string) =>
  z.string().transform((text, ctx) => {
    const addresses: { host: string; port: number }[] = [];
    for (const part of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(part);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not host:port, e.g. ${example}` });
        return z.NEVER;
      }
      addresses.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
    }
    return addresses;
  });

const roleList = z.string().transform((text, ctx) => {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = parts.filter((part) => !(roles as readonly string[]).includes(part));
  if (parts.length === 0 || unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `expected a comma-separated list of: ${roles.join(', ')}` });
    return z.NEVER;
  }
  return [...new Set(parts)] as (typeof roles)[number][];
});

const list = (item: RegExp, describe: string) =>
  z.string().transform((text, ctx) => {
    const parts = text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const bad = parts.find((part) => !item.test(part));
    if (bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${bad}" is not ${describe}` });
      return z.NEVER;
    }
    return parts;
  });

/** `key=value,key2=value2` (equality only, like most uses of KIC's flag). */
const labelSelector = z.string().transform((text, ctx) => {
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/.exec(part);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `"${part}": expected key=value` });
      return z.NEVER;
    }
    out[match[1]!] = match[2]!;
  }
  return out as Readonly<Record<string, string>>;
});

const existingFile = z.string().refine((path) => existsSync(path), { message: 'no such file' });

const adminUrls = z.string().transform((text, ctx) => {
  const urls = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const url of urls) {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('scheme');
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `"${url}" is not an http(s) admin URL, e.g. https://10.0.0.5:8444`,
      });
      return z.NEVER;
    }
  }
  return urls;
});

const featureGates = z.string().transform((text, ctx) => {
  const flags: Partial<FeatureFlags> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z]+)=(true|false)$/.exec(part);
    const name = match?.[1] as keyof FeatureFlags | undefined;
    if (!match || !name || !(name in DEFAULT_FEATURE_FLAGS)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected Name=true|false pairs with names from: ${Object.keys(DEFAULT_FEATURE_FLAGS).join(', ')}`,
      });
      return z.NEVER;
    }
    flags[name] = match[2] === 'true';
  }
  return flags;
});

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Service as `namespace/name`. */
const serviceRef = (example: string) =>
  z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    message: `expected namespace/name, e.g. ${example}`,
  });

export const settingSpecs = {
  redisUrl: setting({
    env: 'KONG_FLEET_REDIS_URL',
    flag: 'redis-url',
    default: 'redis://127.0.0.1:6379',
    help: 'Redis holding the queues and the controller state (use noeviction and AOF in production)',
    schema: redisUrl,
    secret: true,
  }),
  redisSentinels: setting({
    env: 'KONG_FLEET_REDIS_SENTINELS',
    flag: 'redis-sentinels',
    default: '',
    help: "comma-separated host:port of Redis Sentinels; when set, the primary is the one they name (the URL's host is ignored)",
    schema: hostPortList('redis-sentinel-0:26379'),
  }),
  redisClusterNodes: setting({
    env: 'KONG_FLEET_REDIS_CLUSTER_NODES',
    flag: 'redis-cluster-nodes',
    default: '',
    help: "comma-separated host:port of some Redis Cluster nodes (seeds; the rest are discovered); when set, Redis is a Cluster, the URL's host is ignored and the queue prefix becomes a hash tag ({kong-fleet})",
    schema: hostPortList('redis-0:6379'),
  }),
  redisSentinelName: setting({
    env: 'KONG_FLEET_REDIS_SENTINEL_NAME',
    flag: 'redis-sentinel-name',
    default: 'mymaster',
    help: 'the name the Sentinels monitor the primary under (sentinel monitor <name> …)',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'expected 1-64 characters from A-Z a-z 0-9 . _ -' }),
  }),
  redisUsername: setting({
    env: 'KONG_FLEET_REDIS_USERNAME',
    flag: 'redis-username',
    default: undefined,
    help: "Redis ACL user; default: the URL's user, else `default`",
    schema: z
      .string()
      .regex(/^[^\s@:/]{1,128}$/, { message: 'expected a user name without spaces, @, : or /' }),
  }),
  redisPasswordFile: setting({
    env: 'KONG_FLEET_REDIS_PASSWORD_FILE',
    flag: 'redis-password-file',
    default: undefined,
    help: 'file holding the Redis password (a mounted Secret); re-read before every reconnect',
    schema: existingFile,
  }),
  redisSentinelPasswordFile: setting({
    env: 'KONG_FLEET_REDIS_SENTINEL_PASSWORD_FILE',
    flag: 'redis-sentinel-password-file',
    default: undefined,
    help: "file holding the Sentinels' own password, when they require one",
    schema: existingFile,
  }),
  redisTlsCa: setting({
    env: 'KONG_FLEET_REDIS_TLS_CA',
    flag: 'redis-tls-ca',
    default: undefined,
    help: "CA bundle (PEM) that signs Redis' certificate (rediss://); default: the system's CAs",
    schema: existingFile,
  }),
  redisTlsCert: setting({
    env: 'KONG_FLEET_REDIS_TLS_CERT',
    flag: 'redis-tls-cert',
    default: undefined,
    help: 'client certificate (PEM) for Redis TLS, when Redis requires one (tls-auth-clients)',
    schema: existingFile,
  }),
  redisTlsKey: setting({
    env: 'KONG_FLEET_REDIS_TLS_KEY',
    flag: 'redis-tls-key',
    default: undefined,
    help: 'private key (PEM) of the Redis client certificate',
    schema: existingFile,
    secret: true,
  }),
  queuePrefix: setting({
    env: 'KONG_FLEET_QUEUE_PREFIX',
    flag: 'queue-prefix',
    default: 'kong-fleet',
    help: 'prefix of every Redis key, so several fleets can share one Redis',
    schema: z.string().regex(/^[A-Za-z0-9_{}.-]{1,64}$/, {
      message: 'expected 1-64 characters from A-Z a-z 0-9 _ - . { } (no ":")',
    }),
  }),
  roles: setting({
    env: 'KONG_FLEET_ROLES',
    flag: 'roles',
    default: roles.join(','),
    help: 'what this process does: leader (watch, discovery, schedules), build, push, drift',
    schema: roleList,
  }),
  httpHost: setting({
    env: 'KONG_FLEET_HTTP_HOST',
    flag: 'http-host',
    default: '0.0.0.0',
    help: 'address of the HTTP server (/healthz, /readyz, /metrics, /queues, /api)',
    schema: z.string().min(1, { message: 'expected a host name or IP address' }),
  }),
  httpPort: setting({
    env: 'KONG_FLEET_HTTP_PORT',
    flag: 'http-port',
    default: '8080',
    help: 'port of the HTTP server (0 picks a free port)',
    schema: integer(0, 65535),
  }),
  logLevel: setting({
    env: 'KONG_FLEET_LOG_LEVEL',
    flag: 'log-level',
    default: 'info',
    help: 'pino log level',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'expected one of: fatal, error, warn, info, debug, trace, silent',
    }),
  }),
  kubeconfig: setting({
    env: 'KONG_FLEET_KUBECONFIG',
    flag: 'kubeconfig',
    default: undefined,
    help: 'kubeconfig file; default: $KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount',
    schema: existingFile,
  }),
  watchNamespaces: setting({
    env: 'KONG_FLEET_WATCH_NAMESPACES',
    flag: 'watch-namespaces',
    default: '',
    help: 'comma-separated namespaces to watch; empty watches all',
    schema: list(DNS_LABEL, 'a namespace name'),
  }),
  secretLabelSelector: setting({
    env: 'KONG_FLEET_SECRET_LABEL_SELECTOR',
    flag: 'secret-label-selector',
    default: '',
    help: 'label selector (key=value,…) of Secrets stored even when no translated object references them (as KIC --secret-label-selector); empty: only referenced Secrets',
    schema: labelSelector,
  }),
  storageKeyFile: setting({
    env: 'KONG_FLEET_STORAGE_KEY_FILE',
    flag: 'storage-key-file',
    default: undefined,
    help: 'key ring (id:base64 lines, first writes, all read) sealing Secrets and build texts in Redis with AES-256-GCM; re-read when it changes; unset stores them in plaintext (warned)',
    schema: existingFile,
  }),
  ingressClass: setting({
    env: 'KONG_FLEET_INGRESS_CLASS',
    flag: 'ingress-class',
    default: 'kong',
    help: 'the ingress class this controller serves (spec.ingressClassName, kubernetes.io/ingress.class)',
    schema: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'expected a class name (DNS subdomain)' }),
  }),
  gatewayControllerNames: setting({
    env: 'KONG_FLEET_GATEWAY_CONTROLLER_NAMES',
    flag: 'gateway-controller-names',
    default: `${KIC_GATEWAY_CONTROLLER},${KONG_FLEET_GATEWAY_CONTROLLER}`,
    help: "GatewayClass controllerNames this controller serves (KIC's first, so migrated clusters keep working)",
    schema: list(
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/,
      'a controller name (domain/path)',
    ),
  }),
  ingressNamespaceConflicts: setting({
    env: 'KONG_FLEET_INGRESS_NAMESPACE_CONFLICTS',
    flag: 'ingress-namespace-conflicts',
    default: 'oldest-wins',
    help: 'Ingresses of different namespaces with the same host+path: oldest-wins serves the oldest (then namespace/name) and leaves the other out with a Warning; allow translates both (KIC)',
    schema: z.enum(['oldest-wins', 'allow'], { error: 'expected oldest-wins or allow' }),
  }),
  enableDrainSupport: setting({
    env: 'KONG_FLEET_ENABLE_DRAIN_SUPPORT',
    flag: 'enable-drain-support',
    default: 'false',
    help: "keep terminating endpoints as targets with weight 0 so their connections drain (KIC's --enable-drain-support; Kong Operator turns it on)",
    schema: z.stringbool({ error: 'expected true or false' }),
  }),
  featureGates: setting({
    env: 'KONG_FLEET_FEATURE_GATES',
    flag: 'feature-gates',
    default: '',
    help: 'translator feature flags by KIC name, e.g. ExpressionRoutes=true',
    schema: featureGates,
  }),
  adminService: setting({
    env: 'KONG_FLEET_ADMIN_SERVICE',
    flag: 'admin-service',
    default: undefined,
    help: "namespace/name of the proxies' admin Service; its EndpointSlices are the fleet",
    schema: serviceRef('kong/kong-admin'),
  }),
  adminPortNames: setting({
    env: 'KONG_FLEET_ADMIN_PORT_NAMES',
    flag: 'admin-port-names',
    default: 'admin-tls,kong-admin-tls',
    help: 'names of the admin Service port that serves the Admin API, first match wins',
    schema: list(DNS_LABEL, 'a port name'),
  }),
  proxies: setting({
    env: 'KONG_FLEET_PROXIES',
    flag: 'proxies',
    default: '',
    help: 'comma-separated admin URLs of proxies outside Kubernetes discovery',
    schema: adminUrls,
  }),
  adminTlsCert: setting({
    env: 'KONG_FLEET_ADMIN_TLS_CERT',
    flag: 'admin-tls-cert',
    default: undefined,
    help: 'client certificate (PEM) for Admin API mTLS; re-read when it changes',
    schema: existingFile,
  }),
  adminTlsKey: setting({
    env: 'KONG_FLEET_ADMIN_TLS_KEY',
    flag: 'admin-tls-key',
    default: undefined,
    help: 'private key (PEM) of the client certificate',
    schema: existingFile,
    secret: true,
  }),
  adminTlsCa: setting({
    env: 'KONG_FLEET_ADMIN_TLS_CA',
    flag: 'admin-tls-ca',
    default: undefined,
    help: "CA bundle (PEM) that signs the proxies' Admin API certificates",
    schema: existingFile,
  }),
  adminTlsServerName: setting({
    env: 'KONG_FLEET_ADMIN_TLS_SERVER_NAME',
    flag: 'admin-tls-server-name',
    default: undefined,
    help: 'TLS name to verify on every proxy; default pod.<svc>.<ns>.svc for discovered proxies, the URL host otherwise',
    schema: z.string().regex(/^[A-Za-z0-9.-]+$/, { message: 'expected a DNS name' }),
  }),
  adminTimeoutCapMs: setting({
    env: 'KONG_FLEET_ADMIN_TIMEOUT_CAP',
    flag: 'admin-timeout-cap',
    default: '30s',
    help: 'longest wait for one Admin API answer; deadlines grow with config size and a slow proxy up to this',
    // A push makes up to three exchanges within its 120 s job deadline.
    schema: duration(5000, 40_000),
  }),
  minKongVersion: setting({
    env: 'KONG_FLEET_MIN_KONG_VERSION',
    flag: 'min-kong-version',
    default: '3.4.1',
    help: 'proxies older than this are not configured (state Incompatible)',
    schema: z.string().regex(/^\d+\.\d+(\.\d+)?$/, { message: 'expected a version like 3.4.1' }),
  }),
  pushBackoffCapMs: setting({
    env: 'KONG_FLEET_PUSH_BACKOFF_CAP',
    flag: 'push-backoff-cap',
    default: `${PUSH_BACKOFF.capMs / 1000}s`,
    help: 'longest wait between two push retries to an unreachable proxy',
    schema: duration(1000, 3_600_000),
  }),
  leaderElection: setting({
    env: 'KONG_FLEET_LEADER_ELECTION',
    flag: 'leader-election',
    default: 'true',
    help: 'elect one leader among replicas with a Lease (false: this process always leads)',
    schema: z.stringbool({ error: 'expected true or false' }),
  }),
  publishService: setting({
    env: 'KONG_FLEET_PUBLISH_SERVICE',
    flag: 'publish-service',
    default: undefined,
    help: "namespace/name of the proxies' Service whose address is published in the status of served Ingresses",
    schema: serviceRef('kong/kong-proxy'),
  }),
  publishAddresses: setting({
    env: 'KONG_FLEET_PUBLISH_ADDRESSES',
    flag: 'publish-addresses',
    default: '',
    help: "comma-separated IPs or host names published in Ingress status instead of the publish Service's",
    schema: list(/^[A-Za-z0-9.:-]+$/, 'an IP address or host name'),
  }),
  namespace: setting({
    env: 'KONG_FLEET_NAMESPACE',
    flag: 'namespace',
    default: undefined,
    help: "the controller's namespace: its Lease, ProxyInstances and ProxyFleet; default: $POD_NAMESPACE, else default",
    schema: z.string().regex(DNS_LABEL, { message: 'expected a namespace name' }),
  }),
  fleetName: setting({
    env: 'KONG_FLEET_FLEET_NAME',
    flag: 'fleet-name',
    default: 'default',
    help: 'name of the ProxyFleet object that carries the fleet summary and repair mode',
    schema: z.string().regex(DNS_LABEL, { message: 'expected a DNS label' }),
  }),
  repairMode: setting({
    env: 'KONG_FLEET_REPAIR_MODE',
    flag: 'repair-mode',
    default: 'enforce',
    help: 'initial repairMode of a ProxyFleet the controller creates: enforce (re-push drifted proxies), warn, disabled',
    schema: z.enum(['enforce', 'warn', 'disabled'], { message: 'expected one of: enforce, warn, disabled' }),
  }),
  fleetMode: setting({
    env: 'KONG_FLEET_FLEET_MODE',
    flag: 'fleet-mode',
    default: 'active',
    help: 'initial spec.mode of a ProxyFleet the controller creates: active (push), shadow (beside KIC: compare, never push)',
    schema: z.enum(['active', 'shadow'], { message: 'expected one of: active, shadow' }),
  }),
  buildsKept: setting({
    env: 'KONG_FLEET_BUILDS_KEPT',
    flag: 'builds-kept',
    default: '5',
    help: 'builds kept in Redis besides those in use, for kong-fleet rollback and diffs (a pinned or stable build is never evicted)',
    schema: integer(1, 100),
  }),
  driftIntervalMs: setting({
    env: 'KONG_FLEET_DRIFT_INTERVAL',
    flag: 'drift-interval',
    default: `${DRIFT_INTERVAL_MS / 1000}s`,
    help: 'how often every proxy is asked for its configuration hash',
    schema: duration(1000, 3_600_000),
  }),
  propagationStatus: setting({
    env: 'KONG_FLEET_PROPAGATION_STATUS',
    flag: 'propagation-status',
    default: 'true',
    help: 'write each served object\'s propagation status (Programmed on Kong CRDs and route parents, annotations on Ingresses: "live on 47/50 proxies at …")',
    schema: z.stringbool({ error: 'expected true or false' }),
  }),
  readinessGate: setting({
    env: 'KONG_FLEET_READINESS_GATE',
    flag: 'readiness-gate',
    default: 'true',
    help: 'set the kongfleet.io/config-applied condition (pods/status) and config annotations on proxy Pods, for Pods that declare it as a readinessGate',
    schema: z.stringbool({ error: 'expected true or false' }),
  }),
  readinessGateGraceMs: setting({
    env: 'KONG_FLEET_READINESS_GATE_GRACE',
    flag: 'readiness-gate-grace',
    default: '60s',
    help: 'after a new build, how long a Pod still running an earlier build keeps its readiness gate True (0s: only the desired build)',
    schema: duration(0, 86_400_000),
  }),
  statusProbeIntervalMs: setting({
    env: 'KONG_FLEET_STATUS_PROBE_INTERVAL',
    flag: 'status-probe-interval',
    default: `${STATUS_PROBE_INTERVAL_MS}ms`,
    help: 'how often every proxy is probed (GET /status) for a lost config, to re-push a restarted proxy at once; 0 turns it off',
    schema: z.union([z.literal('0').transform(() => 0), duration(100, 600_000)]),
  }),
  statusProbeRate: setting({
    env: 'KONG_FLEET_STATUS_PROBE_RATE',
    flag: 'status-probe-rate',
    default: `${STATUS_PROBE_MAX_PER_SECOND}`,
    help: 'status probes per second across the whole fleet at most: a larger fleet is probed less often than the interval (200: every 500 ms up to 100 proxies, every 5 s at 1,000)',
    schema: integer(1, 100_000),
  }),
  trafficScrapeIntervalMs: setting({
    env: 'KONG_FLEET_TRAFFIC_SCRAPE_INTERVAL',
    flag: 'traffic-scrape-interval',
    default: `${TRAFFIC_SCRAPE_INTERVAL_MS / 1000}s`,
    help: "how often every proxy's Status API /metrics is read for the fleet traffic series",
    schema: duration(1000, 3_600_000),
  }),
  trafficStatusPort: setting({
    env: 'KONG_FLEET_TRAFFIC_STATUS_PORT',
    flag: 'traffic-status-port',
    default: '8100',
    help: "port of the proxies' Status API (Kong's status_listen, plain HTTP) on their admin address",
    schema: integer(1, 65535),
  }),
  trafficRetentionMs: setting({
    env: 'KONG_FLEET_TRAFFIC_RETENTION',
    flag: 'traffic-retention',
    default: '24h',
    help: 'how far back /api/traffic?since= and kong-fleet top can look (per-minute increments kept in Redis)',
    schema: duration(60_000, 30 * 86_400_000),
  }),
  trafficMaxRoutes: setting({
    env: 'KONG_FLEET_TRAFFIC_MAX_ROUTES',
    flag: 'traffic-max-routes',
    default: '1000',
    help: 'service/route pairs the fleet traffic series keep apart; traffic of further ones is summed as _other',
    schema: integer(1, 100_000),
  }),
  boardTokenFile: setting({
    env: 'KONG_FLEET_BOARD_TOKEN_FILE',
    flag: 'board-token-file',
    default: undefined,
    help: 'file holding the read-only bearer token for /api, /debug and Bull Board at /queues (a mounted Secret); re-read when it changes',
    schema: existingFile,
  }),
  boardBasicAuthFile: setting({
    env: 'KONG_FLEET_BOARD_BASIC_AUTH_FILE',
    flag: 'board-basic-auth-file',
    default: undefined,
    help: 'file holding read-only user:password for /api, /debug and Bull Board at /queues (a mounted Secret); re-read when it changes',
    schema: existingFile,
  }),
  boardWritable: setting({
    env: 'KONG_FLEET_BOARD_WRITABLE',
    flag: 'board-writable',
    default: 'false',
    help: 'allow retry, clean, pause and add from Bull Board with operator credentials (read-only otherwise)',
    schema: z.stringbool({ error: 'expected true or false' }),
  }),
  operatorTokenFile: setting({
    env: 'KONG_FLEET_OPERATOR_TOKEN_FILE',
    flag: 'operator-token-file',
    default: undefined,
    help: 'file holding the bearer token of the operator role (reads and Bull Board writes); re-read when it changes',
    schema: existingFile,
  }),
  operatorBasicAuthFile: setting({
    env: 'KONG_FLEET_OPERATOR_BASIC_AUTH_FILE',
    flag: 'operator-basic-auth-file',
    default: undefined,
    help: 'file holding user:password of the operator role (reads and Bull Board writes); re-read when it changes',
    schema: existingFile,
  }),
  metricsAuth: setting({
    env: 'KONG_FLEET_METRICS_AUTH',
    flag: 'metrics-auth',
    default: 'false',
    help: 'require the viewer or operator credentials on /metrics too (open to scrapers otherwise)',
    schema: z.stringbool({ error: 'expected true or false' }),
  }),
  webhookPort: setting({
    env: 'KONG_FLEET_WEBHOOK_PORT',
    flag: 'webhook-port',
    default: undefined,
    help: 'port of the HTTPS admission webhook (/validate); not served when unset (0 picks a free port)',
    schema: integer(0, 65535),
  }),
  webhookHost: setting({
    env: 'KONG_FLEET_WEBHOOK_HOST',
    flag: 'webhook-host',
    default: '0.0.0.0',
    help: 'address of the HTTPS admission webhook',
    schema: z.string().min(1, { message: 'expected a host name or IP address' }),
  }),
  webhookTlsCert: setting({
    env: 'KONG_FLEET_WEBHOOK_TLS_CERT',
    flag: 'webhook-tls-cert',
    default: undefined,
    help: 'certificate (PEM) of the admission webhook, signed by the caBundle of its registration; re-read when it changes',
    schema: existingFile,
  }),
  webhookTlsKey: setting({
    env: 'KONG_FLEET_WEBHOOK_TLS_KEY',
    flag: 'webhook-tls-key',
    default: undefined,
    help: 'private key (PEM) of the admission webhook certificate',
    schema: existingFile,
  }),
  shutdownTimeoutMs: setting({
    env: 'KONG_FLEET_SHUTDOWN_TIMEOUT',
    flag: 'shutdown-timeout',
    default: '25s',
    help: 'how long in-flight jobs may run after SIGTERM before they are handed back to the queue',
    schema: duration(100, 10 * 60_000),
  }),
} as const;

export type SettingName = keyof typeof settingSpecs;
export type Settings = {
  readonly [K in SettingName]: (typeof settingSpecs)[K] extends SettingSpec<infer T>
    ? (typeof settingSpecs)[K]['default'] extends string
      ? T
      : T | undefined
    : never;
};
