// `kong-fleet migrate`'s core, pure: a KIC install (its Deployment manifest, or the values of the kong/ingress
// or kong/kong chart) in, the kong-fleet chart values that carry its settings over out, with every KIC
// setting that could not be carried named and why. No I/O: the CLI (workers/cli/migrate.ts) reads and writes.
import { type SettingName, settingSpecs } from './settings.ts';

/** One KIC setting the migration could not carry over, and what to do instead. */
export interface Leftover {
  /** Where it came from: `--flag`, `CONTROLLER_X` or a values path. */
  readonly source: string;
  readonly reason: string;
}

export interface Migration {
  /** What the input was read as. */
  readonly input: 'kic-deployment' | 'kong-ingress-values' | 'kong-kong-values';
  /** kong-fleet chart values (charts/kong-fleet/values.yaml layout), only what differs from its defaults. */
  readonly values: Record<string, unknown>;
  /** The same settings as `KONG_FLEET_*` variables (for `kubectl apply -k deploy` users). */
  readonly env: Record<string, string>;
  readonly leftovers: readonly Leftover[];
}

/** Input the migration cannot read at all. */
export class MigrationInputError extends Error {
  override name = 'MigrationInputError';
}

/** KIC flags (without `--`) that are a kong-fleet setting, value for value. */
const SAME_SETTING: Readonly<Record<string, SettingName>> = {
  'ingress-class': 'ingressClass',
  'gateway-api-controller-name': 'gatewayControllerNames',
  'watch-namespace': 'watchNamespaces',
  'feature-gates': 'featureGates',
  'enable-drain-support': 'enableDrainSupport',
  'kong-admin-svc': 'adminService',
  'kong-admin-svc-port-names': 'adminPortNames',
  'kong-admin-url': 'proxies',
  'kong-admin-tls-server-name': 'adminTlsServerName',
  'publish-service': 'publishService',
  'publish-status-address': 'publishAddresses',
  'log-level': 'logLevel',
};

/**
 * KIC flags that change the translation and are kong-fleet translator feature flags (KONG_FLEET_FEATURE_GATES):
 * KIC 3.5 made CombinedServicesFromDifferentHTTPRoutes a flag; before that it was a feature gate of that name.
 */
const TRANSLATOR_FLAGS: Readonly<Record<string, string>> = {
  'combined-services-from-different-httproutes': 'CombinedServicesFromDifferentHTTPRoutes',
};

/** KIC flags kong-fleet has no use for, with the reason a migrating user needs. */
const NOT_CARRIED: Readonly<Record<string, string>> = {
  'kong-admin-tls-client-cert':
    'an inline certificate: put certificate, key and CA into one Secret (tls.crt, tls.key, ca.crt) and set adminTLS.existingSecrets.client',
  'kong-admin-tls-client-key':
    'an inline key: put certificate, key and CA into one Secret (tls.crt, tls.key, ca.crt) and set adminTLS.existingSecrets.client',
  'kong-admin-ca-cert':
    'an inline CA: put certificate, key and CA into one Secret (tls.crt, tls.key, ca.crt) and set adminTLS.existingSecrets.client',
  'kong-admin-tls-skip-verify':
    'kong-fleet always verifies the proxies’ certificates; give it their CA (adminTLS)',
  'kong-admin-token': 'Kong Enterprise RBAC tokens are not supported (DB-less OSS Admin API with mTLS)',
  'kong-admin-token-file': 'Kong Enterprise RBAC tokens are not supported (DB-less OSS Admin API with mTLS)',
  'kong-admin-header': 'extra Admin API headers are not supported',
  'kong-workspace': 'workspaces need a database; kong-fleet configures DB-less proxies',
  'kong-admin-filter-tag': 'kong-fleet owns the whole DB-less configuration of its proxies',
  'proxy-sync-seconds': 'kong-fleet pushes on change (coalesced), not on a fixed tick',
  'election-id': 'kong-fleet elects through its own Lease, kong-fleet-leader, in its namespace',
  'election-namespace': 'the Lease lives in the controller’s namespace (KONG_FLEET_NAMESPACE)',
  'log-format': 'kong-fleet logs JSON (pino) only',
  'metrics-bind-address': 'metrics are served on the one HTTP port (controller.httpPort), path /metrics',
  'health-probe-bind-address': 'probes are served on the one HTTP port (controller.httpPort)',
  kubeconfig: 'in a cluster the ServiceAccount token is used; controller.env.kubeconfig if you must',
  'apiserver-qps': 'no client-side rate limit setting',
  'apiserver-burst': 'no client-side rate limit setting',
  'anonymous-reports': 'kong-fleet sends no reports',
  'dump-config': 'use `kong-fleet status`, `kong-fleet diff` and the operator API instead',
  'dump-sensitive-config': 'use `kong-fleet status`, `kong-fleet diff` and the operator API instead',
  profiling: 'no pprof endpoint (Node.js)',
  'use-last-valid-config-for-fallback':
    'kong-fleet always drops only the broken objects (fallback) and keeps the rest',
  'init-cache-sync-duration': 'kong-fleet builds once every informer has listed',
  'kong-admin-init-retries': 'kong-fleet starts without reachable proxies and pushes when they appear',
  'kong-admin-init-retry-delay': 'kong-fleet starts without reachable proxies and pushes when they appear',
  'gateway-discovery-readiness-check-interval':
    'kong-fleet checks proxies by drift checks (controller.env.drift_interval)',
  'gateway-discovery-readiness-check-timeout':
    'kong-fleet checks proxies by drift checks (controller.env.drift_interval)',
  'kong-admin-concurrency': 'DB-mode only in KIC',
  'update-status': 'kong-fleet writes Ingress status when publish_service or publish_addresses is set',
};

/** Flags that point at a file inside the pod: carried as the Secret they are mounted from, when they are. */
const ADMIN_TLS_FILES: Readonly<Record<string, 'cert' | 'key' | 'ca'>> = {
  'kong-admin-tls-client-cert-file': 'cert',
  'kong-admin-tls-client-key-file': 'key',
  'kong-admin-ca-cert-file': 'ca',
};

/** The file each key of kong-fleet's client Secret must hold (charts/kong-fleet adminTLS.existingSecrets.client). */
const CLIENT_SECRET_KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const;

interface Volume {
  name?: string;
  secret?: { secretName?: string; items?: { key: string; path: string }[] };
}
interface Mount {
  name?: string;
  mountPath?: string;
}
interface Container {
  name?: string;
  args?: string[];
  command?: string[];
  env?: { name?: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: Mount[];
}

/** KIC's flags as one map, flag name (no dashes) → value: `--x=y`/`--x y` args, then CONTROLLER_X env. */
interface FlagSource {
  readonly flags: Map<string, { value: string; source: string }>;
  readonly leftovers: Leftover[];
}

const flagOfEnv = (envName: string) =>
  envName
    .replace(/^CONTROLLER_/, '')
    .toLowerCase()
    .replace(/_/g, '-');

function argFlags(args: readonly string[], into: FlagSource) {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--?([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) continue;
    let value = match[2];
    if (value === undefined) {
      const next = args[i + 1];
      value = next !== undefined && !next.startsWith('-') ? next : 'true';
      if (value === next) i++;
    }
    into.flags.set(match[1]!, { value, source: `--${match[1]}` });
  }
}

/** Where a file path inside the container comes from: the Secret and key, when a secret volume holds it. */
function secretFileAt(volumes: readonly Volume[], mounts: readonly Mount[], path: string) {
  const mount = mounts.find((m) => m.mountPath && path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  const volume = mount && volumes.find((v) => v.name === mount.name);
  const secretName = volume?.secret?.secretName;
  if (!mount?.mountPath || !secretName) return undefined;
  const file = path.slice(mount.mountPath.replace(/\/$/, '').length + 1);
  const key = volume.secret?.items?.find((item) => item.path === file)?.key ?? file;
  return { secretName, key };
}

/** The KIC controller container of a Deployment: named ingress-controller, or the one with KIC flags. */
function kicContainer(containers: readonly Container[]): Container | undefined {
  return (
    containers.find((c) => c.name === 'ingress-controller') ??
    containers.find((c) => (c.env ?? []).some((v) => v.name?.startsWith('CONTROLLER_')))
  );
}

interface Collected {
  values: Record<string, unknown>;
  settings: Map<SettingName, string>;
  leftovers: Leftover[];
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}

/** Flags → settings and leftovers; admin TLS files through `resolveFile` (null: not resolvable). */
function translateFlags(
  source: FlagSource,
  out: Collected,
  resolveFile: (path: string) => { secretName: string; key: string } | undefined,
) {
  const tlsFiles: Partial<
    Record<'cert' | 'key' | 'ca', { secretName: string; key: string; source: string }>
  > = {};
  const gatesFromFlags: string[] = [];
  for (const [flag, { value, source: where }] of source.flags) {
    const gate = TRANSLATOR_FLAGS[flag];
    if (gate) {
      gatesFromFlags.push(`${gate}=${value === 'true' ? 'true' : 'false'}`);
      continue;
    }
    const setting = SAME_SETTING[flag];
    if (setting) {
      out.settings.set(setting, flag === 'feature-gates' ? knownFeatureGates(value, where, out) : value);
      continue;
    }
    const tlsPart = ADMIN_TLS_FILES[flag];
    if (tlsPart) {
      const file = resolveFile(value);
      if (file) tlsFiles[tlsPart] = { ...file, source: where };
      else
        out.leftovers.push({
          source: where,
          reason: `${value} is not read from a mounted Secret here: put the client certificate, key and CA into one Secret (tls.crt, tls.key, ca.crt) and set adminTLS.existingSecrets.client`,
        });
      continue;
    }
    if (flag === 'proxy-timeout-seconds') {
      out.settings.set('adminTimeoutCapMs', `${value}s`);
      continue;
    }
    if (flag === 'admission-webhook-listen') {
      const port = /:(\d+)$/.exec(value)?.[1];
      if (value !== 'off') {
        setPath(out.values, 'webhook.enabled', true);
        if (port) setPath(out.values, 'webhook.port', Number(port));
        out.leftovers.push({
          source: where,
          reason:
            'the webhook certificate is the chart’s (webhook.tls.source); KIC’s webhook Secret is not reused',
        });
      }
      continue;
    }
    if (flag.startsWith('enable-controller-')) {
      if (value === 'false')
        out.leftovers.push({
          source: where,
          reason: 'kong-fleet watches every kind it translates; none can be turned off',
        });
      continue;
    }
    const reason = NOT_CARRIED[flag];
    if (reason) out.leftovers.push({ source: where, reason });
    else out.leftovers.push({ source: where, reason: 'not a KIC setting kong-fleet knows' });
  }
  if (gatesFromFlags.length > 0) {
    const gates = [out.settings.get('featureGates'), ...gatesFromFlags].filter(Boolean);
    out.settings.set('featureGates', gates.join(','));
  }
  carryAdminTls(tlsFiles, out);
}

function carryAdminTls(
  files: Partial<Record<'cert' | 'key' | 'ca', { secretName: string; key: string; source: string }>>,
  out: Collected,
) {
  const parts = Object.entries(files) as [
    'cert' | 'key' | 'ca',
    { secretName: string; key: string; source: string },
  ][];
  if (parts.length === 0) return;
  const secrets = new Set(parts.map(([, file]) => file.secretName));
  const keysFit = parts.every(([part, file]) => file.key === CLIENT_SECRET_KEYS[part]);
  if (parts.length === 3 && secrets.size === 1 && keysFit) {
    setPath(out.values, 'adminTLS.source', 'existingSecrets');
    setPath(out.values, 'adminTLS.existingSecrets.client', [...secrets][0]);
    return;
  }
  for (const [part, file] of parts)
    out.leftovers.push({
      source: file.source,
      reason: `Secret ${file.secretName} key ${file.key}: kong-fleet reads the client certificate, key and CA from one Secret with keys tls.crt, tls.key and ca.crt (adminTLS.existingSecrets.client); ${part} does not fit`,
    });
}

/** KIC gates kong-fleet knows pass; the others are named (kong-fleet would refuse to start on them). */
function knownFeatureGates(value: string, where: string, out: Collected): string {
  const kept: string[] = [];
  for (const gate of value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)) {
    const result = settingSpecs.featureGates.schema.safeParse(gate);
    if (result.success) kept.push(gate);
    else
      out.leftovers.push({
        source: `${where} ${gate}`,
        reason: 'a feature gate kong-fleet does not translate',
      });
  }
  return kept.join(',');
}

function envFlags(env: readonly { name?: string; value?: string; valueFrom?: unknown }[], into: FlagSource) {
  for (const variable of env) {
    if (!variable.name?.startsWith('CONTROLLER_')) continue;
    const flag = flagOfEnv(variable.name);
    if (variable.value === undefined) {
      into.leftovers.push({
        source: variable.name,
        reason:
          'its value comes from a Secret or field reference: set it by hand (controller.env or controller.customEnv)',
      });
      continue;
    }
    // Flags win over the environment in KIC, as in kong-fleet.
    if (!into.flags.has(flag)) into.flags.set(flag, { value: variable.value, source: variable.name });
  }
}

function fromDeployment(deployment: Record<string, unknown>): Collected {
  const spec = (
    deployment.spec as {
      replicas?: number;
      template?: { spec?: { containers?: Container[]; volumes?: Volume[] } };
    }
  )?.template?.spec;
  const container = kicContainer(spec?.containers ?? []);
  if (!container)
    throw new MigrationInputError(
      'the Deployment has no KIC container (ingress-controller, or CONTROLLER_* variables)',
    );
  const out: Collected = { values: {}, settings: new Map(), leftovers: [] };
  const source: FlagSource = { flags: new Map(), leftovers: out.leftovers };
  argFlags([...(container.command ?? []).slice(1), ...(container.args ?? [])], source);
  envFlags(container.env ?? [], source);
  translateFlags(source, out, (path) =>
    secretFileAt(spec?.volumes ?? [], container.volumeMounts ?? [], path),
  );
  const replicas = (deployment.spec as { replicas?: number }).replicas;
  if (replicas !== undefined) setPath(out.values, 'controller.replicaCount', replicas);
  return out;
}

function fromChartValues(
  values: Record<string, unknown>,
  layout: 'kong-ingress-values' | 'kong-kong-values',
): Collected {
  const prefix = layout === 'kong-ingress-values' ? 'controller.ingressController' : 'ingressController';
  const ic = (
    layout === 'kong-ingress-values'
      ? (values.controller as Record<string, unknown>)?.ingressController
      : values.ingressController
  ) as Record<string, unknown>;
  const out: Collected = { values: {}, settings: new Map(), leftovers: [] };
  const source: FlagSource = { flags: new Map(), leftovers: out.leftovers };
  argFlags((ic.args as string[] | undefined) ?? [], source);
  for (const [key, value] of Object.entries((ic.env as Record<string, unknown>) ?? {})) {
    const flag = key.toLowerCase().replace(/_/g, '-');
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      if (!source.flags.has(flag))
        source.flags.set(flag, { value: String(value), source: `${prefix}.env.${key}` });
    } else
      out.leftovers.push({
        source: `${prefix}.env.${key}`,
        reason: 'its value comes from a Secret or field reference: set it by hand',
      });
  }
  if (typeof ic.ingressClass === 'string')
    source.flags.set('ingress-class', { value: ic.ingressClass, source: `${prefix}.ingressClass` });
  const namespaces = ic.watchNamespaces as string[] | undefined;
  if (namespaces?.length)
    source.flags.set('watch-namespace', { value: namespaces.join(','), source: `${prefix}.watchNamespaces` });
  const discovery = ic.gatewayDiscovery as
    | { enabled?: boolean; adminApiService?: { name?: string; namespace?: string } }
    | undefined;
  if (discovery?.enabled) {
    const { name, namespace } = discovery.adminApiService ?? {};
    if (name && namespace)
      source.flags.set('kong-admin-svc', {
        value: `${namespace}/${name}`,
        source: `${prefix}.gatewayDiscovery.adminApiService`,
      });
    else
      out.leftovers.push({
        source: `${prefix}.gatewayDiscovery.adminApiService`,
        reason:
          'the chart derives the admin Service from the release name: set controller.adminService to <namespace>/<release>-gateway-admin',
      });
  }
  const webhook = ic.admissionWebhook as { enabled?: boolean; port?: number } | undefined;
  if (webhook?.enabled) setPath(out.values, 'webhook.enabled', true);
  if ((ic.konnect as { enabled?: boolean } | undefined)?.enabled)
    out.leftovers.push({ source: `${prefix}.konnect`, reason: 'Konnect sync is not supported' });
  // The chart's admin TLS Secrets are not visible from the values: name them.
  if (source.flags.has('kong-admin-tls-client-cert-file') || ic.adminApi)
    out.leftovers.push({
      source: `${prefix}.adminApi`,
      reason:
        'the kong/ingress chart generates or names its admin mTLS Secrets: point adminTLS.existingSecrets at one Secret with tls.crt, tls.key and ca.crt',
    });
  source.flags.delete('kong-admin-tls-client-cert-file');
  source.flags.delete('kong-admin-tls-client-key-file');
  source.flags.delete('kong-admin-ca-cert-file');
  translateFlags(source, out, () => undefined);
  return out;
}

/** Settings the chart sets from structured values rather than controller.env. */
function placeSettings(out: Collected): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of out.settings) {
    const spec = settingSpecs[name];
    const check = spec.schema.safeParse(value);
    if (!check.success) {
      out.leftovers.push({
        source: spec.env,
        reason: `${JSON.stringify(value)} is not valid here: ${check.error.issues[0]?.message}`,
      });
      continue;
    }
    if (value === '') continue;
    env[spec.env] = value;
    // The RBAC follows the watched namespaces (RoleBindings there instead of cluster-wide).
    if (name === 'watchNamespaces') setPath(out.values, 'rbac.watchNamespaces', value.split(','));
    if (name === 'adminService') setPath(out.values, 'controller.adminService', value);
    else if (name === 'publishService') setPath(out.values, 'controller.publishService', value);
    else setPath(out.values, `controller.env.${spec.env.replace(/^KONG_FLEET_/, '').toLowerCase()}`, value);
  }
  // A migrating user keeps the Kong proxies KIC configured; the chart's example fleet stays off.
  setPath(out.values, 'proxy.enabled', false);
  // Beside KIC, kong-fleet starts in shadow mode: it compares and pushes nothing until the takeover
  // (docs/migrating-from-kic.md).
  setPath(out.values, 'controller.env.fleet_mode', 'shadow');
  env[settingSpecs.fleetMode.env] = 'shadow';
  const named = out.leftovers.some((l) => l.source.endsWith('adminApiService'));
  if (!env.KONG_FLEET_ADMIN_SERVICE && !env.KONG_FLEET_PROXIES && !named)
    out.leftovers.push({
      source: '--kong-admin-svc',
      reason:
        'no admin Service found: set controller.adminService (namespace/name of the proxies’ admin Service)',
    });
  return env;
}

/** Reads the input (parsed YAML documents) as a KIC Deployment or chart values and migrates it. */
export function migrateKic(documents: readonly unknown[]): Migration {
  const objects = documents.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null);
  const deployments = objects.filter((d) => d.kind === 'Deployment');
  let input: Migration['input'];
  let collected: Collected;
  if (deployments.length > 0) {
    const kic = deployments.filter((d) =>
      kicContainer(
        (d.spec as { template?: { spec?: { containers?: Container[] } } })?.template?.spec?.containers ?? [],
      ),
    );
    if (kic.length !== 1)
      throw new MigrationInputError(
        `expected one KIC Deployment, found ${kic.length} among ${deployments.length} Deployments`,
      );
    input = 'kic-deployment';
    collected = fromDeployment(kic[0]!);
  } else if (objects.length === 1 && (objects[0]!.controller as Record<string, unknown>)?.ingressController) {
    input = 'kong-ingress-values';
    collected = fromChartValues(objects[0]!, input);
  } else if (objects.length === 1 && objects[0]!.ingressController) {
    input = 'kong-kong-values';
    collected = fromChartValues(objects[0]!, input);
  } else {
    throw new MigrationInputError(
      'expected a KIC Deployment manifest, or values of the kong/ingress chart (controller.ingressController) or the kong/kong chart (ingressController)',
    );
  }
  const env = placeSettings(collected);
  return { input, values: collected.values, env, leftovers: collected.leftovers };
}
