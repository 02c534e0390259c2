import { SecretRedactor } from './redact-secrets.ts';
import { buildWithFallback, type FallbackOptions, resolveSettings } from './translate/index.ts';
import {
  isRecord,
  type K8sObject,
  keyOf,
  keyOfRef,
  kindOf,
  labelsOf,
  nameOf,
  namespaceOf,
  records,
  specOf,
  str,
} from './translate/k8s-object.ts';

/** What the admission webhook answers for one object. */
export type AdmissionVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly message: string };

/** The kinds the webhook judges; anything else is admitted untouched. */
export const ADMITTED_KINDS = [
  'KongPlugin',
  'KongClusterPlugin',
  'KongConsumer',
  'Ingress',
  'HTTPRoute',
  'Secret',
] as const;

/** Names of the stand-in objects that make a lone object part of a build. */
const PROBE = 'kong-fleet-admission-probe';

/**
 * Would the build drop this object? Runs it through the build's own translate → validate → fallback
 * (`buildWithFallback`, same settings and validator profiles), alone plus stand-ins for what makes it
 * reach the config: a Service and Ingress that use a plugin, a consumer that holds a credential, the
 * Services an Ingress or HTTPRoute routes to. Only the object's own faults refuse it ("Kong would
 * reject …", "translation failed: …"); a missing reference is not one, since `kubectl apply -f dir`
 * creates objects in any order and the build copes with the gap.
 */
export function admissionVerdict(
  object: unknown,
  options: Omit<FallbackOptions, 'exclude'> = {},
): AdmissionVerdict {
  if (!isRecord(object) || !(ADMITTED_KINDS as readonly string[]).includes(kindOf(object))) {
    return { allowed: true };
  }
  const standIns = standInsFor(object, options);
  if (standIns === undefined) return { allowed: true };
  // A lone route attaches to no Gateway (those are not in the request); judge its own translation, as the
  // build would once it is attached.
  const settings = { ...resolveSettings(options.settings), gatewayAttachment: 'unfiltered' as const };
  const result = buildWithFallback([object, ...standIns], { ...options, settings });
  // Stand-ins are valid by construction: a fault they show comes from the object.
  const concerned = new Set([keyOf(object), ...standIns.map(keyOf)]);
  const own = result.excluded.find(
    (entry) => concerned.has(keyOfRef(entry.object)) && !entry.reason.startsWith('depends on '),
  );
  // The denial reaches kubectl and the apiserver's audit log: nothing out of a Secret in it.
  const redactor = new SecretRedactor(result.secretValues);
  if (own) return { allowed: false, message: redactor.redactText(own.reason) };
  const dropped = result.errors.find((error) => concerned.has(keyOfRef(error.object)) && error.dropped);
  if (dropped) return { allowed: false, message: redactor.redactText(dropped.reason) };
  return { allowed: true };
}

/** The stand-ins an object needs to reach the config; undefined when it never would (not ours). */
function standInsFor(object: K8sObject, options: FallbackOptions): K8sObject[] | undefined {
  const namespace = namespaceOf(object) || 'default';
  const ingressClass =
    (options.settings && 'ingressClass' in options.settings && options.settings.ingressClass) || 'kong';
  switch (kindOf(object)) {
    case 'KongPlugin':
    case 'KongClusterPlugin':
      return usingPlugin(namespace, nameOf(object), ingressClass);
    case 'KongConsumer':
      return [];
    case 'Secret': {
      if (!labelsOf(object)['konghq.com/credential']) return undefined;
      return [
        {
          apiVersion: 'configuration.konghq.com/v1',
          kind: 'KongConsumer',
          metadata: {
            name: PROBE,
            namespace,
            annotations: { 'kubernetes.io/ingress.class': ingressClass },
          },
          username: PROBE,
          credentials: [nameOf(object)],
        },
      ];
    }
    case 'Ingress':
      return backendServices(namespace, ingressBackends(object));
    case 'HTTPRoute':
      return backendServices(namespace, routeBackends(object));
    default:
      return undefined;
  }
}

function usingPlugin(namespace: string, plugin: string, ingressClass: string): K8sObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: PROBE, namespace, annotations: { 'konghq.com/plugins': plugin } },
      spec: { ports: [{ name: 'http', port: 80 }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: PROBE, namespace, annotations: {} },
      spec: {
        ingressClassName: ingressClass,
        rules: [
          {
            host: `${PROBE}.invalid`,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: PROBE, port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
  ];
}

interface Backend {
  readonly name: string;
  readonly port?: number;
  readonly portName?: string;
}

function ingressBackends(ingress: K8sObject): Backend[] {
  const spec = specOf(ingress);
  const backends = [isRecord(spec.defaultBackend) ? spec.defaultBackend : undefined];
  for (const rule of records(spec.rules)) {
    for (const path of records(isRecord(rule.http) ? rule.http.paths : undefined)) {
      backends.push(isRecord(path.backend) ? path.backend : undefined);
    }
  }
  return backends.flatMap((backend) => {
    const service = isRecord(backend?.service) ? backend.service : undefined;
    const name = str(service?.name);
    const port = isRecord(service?.port) ? service.port : {};
    if (!name) return [];
    return [
      { name, port: typeof port.number === 'number' ? port.number : undefined, portName: str(port.name) },
    ];
  });
}

function routeBackends(route: K8sObject): Backend[] {
  return records(specOf(route).rules).flatMap((rule) =>
    records(rule.backendRefs).flatMap((ref) => {
      const name = str(ref.name);
      const kind = str(ref.kind) ?? 'Service';
      if (!name || kind !== 'Service' || (str(ref.group) ?? '') !== '') return [];
      return [{ name, port: typeof ref.port === 'number' ? ref.port : undefined }];
    }),
  );
}

/** One Service per backend name, exposing every port the object routes to. */
function backendServices(namespace: string, backends: readonly Backend[]): K8sObject[] {
  const ports = new Map<string, { name?: string; port: number }[]>();
  for (const backend of backends) {
    const list = ports.get(backend.name) ?? [];
    list.push({
      ...(backend.portName ? { name: backend.portName } : {}),
      port: backend.port ?? 80 + list.length,
    });
    ports.set(backend.name, list);
  }
  return [...ports].map(([name, list]) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, annotations: {} },
    spec: { ports: list },
  }));
}
