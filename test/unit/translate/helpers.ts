import type { KongDeclarativeConfig, KongRouteEntity, KongServiceEntity } from '../../../kong/declarative.ts';
import {
  type ObjectError,
  type SettingsOverrides,
  type TranslateResult,
  translate,
} from '../../../kong/translate/index.ts';
import { generateSets } from '../../../scripts/bench/translate.ts';

type Obj = Record<string, unknown>;

/** A small deterministic PRNG (mulberry32): randomised corpora and change sequences are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function service(
  name: string,
  opts: { ns?: string; annotations?: Record<string, string>; ports?: Obj[]; spec?: Obj; uid?: string } = {},
): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: opts.ns ?? 'default',
      annotations: opts.annotations ?? {},
      ...(opts.uid ? { uid: opts.uid } : {}),
    },
    spec: { ports: opts.ports ?? [{ port: 80, name: 'http' }], ...opts.spec },
  };
}

export interface IngressOpts {
  ns?: string;
  annotations?: Record<string, string>;
  host?: string;
  path?: string;
  pathType?: string;
  service?: string;
  port?: Obj;
  className?: string | null;
  extraSpec?: Obj;
}

export function ingress(name: string, opts: IngressOpts = {}): Obj {
  const rule: Obj = {
    http: {
      paths: [
        {
          path: opts.path ?? '/',
          pathType: opts.pathType ?? 'Prefix',
          backend: { service: { name: opts.service ?? 'svc', port: opts.port ?? { number: 80 } } },
        },
      ],
    },
  };
  if (opts.host !== undefined) rule.host = opts.host;
  const spec: Obj = { rules: [rule], ...opts.extraSpec };
  if (opts.className !== null) spec.ingressClassName = opts.className ?? 'kong';
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: opts.ns ?? 'default', annotations: opts.annotations ?? {} },
    spec,
  };
}

export function kongPlugin(name: string, plugin: string, extra: Obj = {}, ns = 'default'): Obj {
  return {
    apiVersion: 'configuration.konghq.com/v1',
    kind: 'KongPlugin',
    metadata: { name, namespace: ns },
    plugin,
    ...extra,
  };
}

export function secret(
  name: string,
  data: Record<string, string>,
  opts: {
    ns?: string;
    labels?: Record<string, string>;
    uid?: string;
    annotations?: Record<string, string>;
  } = {},
): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: opts.ns ?? 'default',
      labels: opts.labels ?? {},
      annotations: opts.annotations ?? {},
      ...(opts.uid ? { uid: opts.uid } : {}),
    },
    stringData: data,
  };
}

export function endpointSlice(
  name: string,
  svc: string,
  endpoints: Obj[],
  ports: Obj[] = [{ name: 'http', port: 8080, protocol: 'TCP' }],
  ns = 'default',
): Obj {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

export function httpRoute(
  name: string,
  rules: Obj[],
  opts: { ns?: string; annotations?: Record<string, string>; hostnames?: string[] } = {},
): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: opts.ns ?? 'default', annotations: opts.annotations ?? {} },
    spec: { parentRefs: [{ name: 'kong' }], ...(opts.hostnames ? { hostnames: opts.hostnames } : {}), rules },
  };
}

export function consumer(name: string, extra: Obj = {}, annotations: Record<string, string> = {}): Obj {
  return {
    apiVersion: 'configuration.konghq.com/v1',
    kind: 'KongConsumer',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'kubernetes.io/ingress.class': 'kong', ...annotations },
    },
    ...extra,
  };
}

/**
 * Translates as KIC's translator sees its store: routes unfiltered by Gateway attachment, so these suites test
 * the route translation itself (attachment has its own suite, `gateway-attachment.test.ts`).
 */
export function run(objects: unknown[], settings: SettingsOverrides = {}): TranslateResult {
  return translate(objects, { gatewayAttachment: 'unfiltered', ...settings });
}

export function services(config: KongDeclarativeConfig): KongServiceEntity[] {
  return config.services ?? [];
}

export function onlyService(config: KongDeclarativeConfig): KongServiceEntity {
  const list = services(config);
  if (list.length !== 1) throw new Error(`expected one service, got ${list.map((s) => s.name).join(', ')}`);
  return list[0]!;
}

export function onlyRoute(config: KongDeclarativeConfig): KongRouteEntity {
  const routes = onlyService(config).routes ?? [];
  if (routes.length !== 1) throw new Error(`expected one route, got ${routes.length}`);
  return routes[0]!;
}

export function errorsFor(errors: readonly ObjectError[], kind: string, name: string): ObjectError[] {
  return errors.filter((e) => e.object.kind === kind && e.object.name === name);
}

/** A self-signed certificate and key, generated once with openssl for tests (not a secret anywhere). */
export { OTHER_KEY, TEST_CERT, TEST_KEY } from './test-certs.ts';

/**
 * `sets` generated Ingress + Service + EndpointSlice sets (the translate benchmark's) plus one of each kind that
 * crosses objects: an HTTPRoute onto a generated Service, a consumer with a key-auth credential and a plugin.
 */
export function mixedObjects(sets: number): Obj[] {
  return [
    ...generateSets(sets),
    httpRoute(
      'h',
      [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/h' } }],
          backendRefs: [{ kind: 'Service', name: 'app-1', port: 80 }],
        },
      ],
      { ns: 'team-1' },
    ),
    consumer('c', { username: 'alice', credentials: ['k'] }, { 'konghq.com/plugins': 'rl' }),
    secret('k', { key: 'key-1' }, { labels: { 'konghq.com/credential': 'key-auth' } }),
    kongPlugin('rl', 'rate-limiting', { config: { minute: 1 } }),
  ];
}
