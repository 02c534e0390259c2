import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../jobs/build.ts';
import { gatewayStatus } from '../../../jobs/gateway-status.ts';
import { GatewayStatusWriter } from '../../../k8s/gateway-status.ts';
import { IngressStatusWriter } from '../../../k8s/ingress-status.ts';
import { WatchSet } from '../../../k8s/watch-set.ts';
import type { KongDeclarativeConfig } from '../../../kong/declarative.ts';
import { SUPPORTED_FEATURES } from '../../../kong/translate/index.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { eventually } from '../../helpers/eventually.ts';
import { jobInState } from '../../helpers/jobs.ts';
import { freshNamespace, kubeConfig, kubectlApply } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';
import { TEST_CERT, TEST_KEY } from '../../unit/translate/test-certs.ts';

const GROUP = 'gateway.networking.k8s.io';
const KIC = 'konghq.com/kic-gateway-controller';

interface Condition {
  type: string;
  status: string;
  reason: string;
  observedGeneration?: number;
}
interface GatewayObject {
  metadata: { generation: number; uid: string };
  status?: {
    conditions?: Condition[];
    addresses?: { type: string; value: string }[];
    listeners?: { name: string; attachedRoutes: number; conditions: Condition[] }[];
    parents?: { controllerName: string; parentRef: Record<string, unknown>; conditions: Condition[] }[];
  };
}

/**
 * The Gateway API on the real apiserver, through the real watch set, build and status jobs: the hijack of issue
 * 18 refused, other controllers' objects untouched, listener TLS → certificates, certificateRefs across
 * namespaces need a ReferenceGrant, Programmed with addresses, observedGeneration everywhere.
 */
describe('Gateway API attachment and status (issue 18)', () => {
  const prefix = uniquePrefix('gwapi');
  const kc = kubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  let demo: string;
  let bad: string;
  let certs: string;
  let ourClass: string;
  let otherClass: string;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  const stop = new AbortController();
  let watching: Promise<void> | undefined;

  const get = (plural: string, namespace: string, name: string) =>
    custom.getNamespacedCustomObject({
      group: GROUP,
      version: plural.endsWith('routes') && plural !== 'httproutes' ? 'v1alpha2' : 'v1',
      namespace,
      plural,
      name,
    }) as Promise<GatewayObject>;
  const getClass = (name: string) =>
    custom.getClusterCustomObject({
      group: GROUP,
      version: 'v1',
      plural: 'gatewayclasses',
      name,
    }) as Promise<GatewayObject>;
  const desiredConfig = async (): Promise<KongDeclarativeConfig | undefined> => {
    const desired = await pipeline.builds.desired();
    const text = desired ? await pipeline.builds.text(desired.hash) : null;
    return text ? (JSON.parse(text) as KongDeclarativeConfig) : undefined;
  };
  const routeNames = (config: KongDeclarativeConfig | undefined) =>
    (config?.services ?? []).flatMap((s) => (s.routes ?? []).map((r) => r.name));
  const ours = (route: GatewayObject) =>
    (route.status?.parents ?? []).filter((p) => p.controllerName === KIC);

  beforeAll(async () => {
    demo = await freshNamespace('gw-demo');
    bad = await freshNamespace('gw-bad');
    certs = await freshNamespace('gw-certs');
    ourClass = `${demo}-kong`;
    otherClass = `${demo}-other`;
    const tls = (name: string, ns: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name, namespace: ns },
      stringData: { 'tls.crt': TEST_CERT, 'tls.key': TEST_KEY },
    });
    const svc = (name: string, ns: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    });
    const objects = [
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'GatewayClass',
        metadata: { name: ourClass },
        spec: { controllerName: KIC },
      },
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'GatewayClass',
        metadata: { name: otherClass },
        spec: { controllerName: 'example.com/other-controller' },
      },
      tls('shop-cert', demo),
      tls('far-cert', certs),
      svc('good-svc', demo),
      svc('good-svc', bad),
      svc('kong-proxy', demo),
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'Gateway',
        metadata: { name: 'kong', namespace: demo },
        spec: {
          gatewayClassName: ourClass,
          listeners: [
            { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
            {
              name: 'https',
              port: 443,
              protocol: 'HTTPS',
              hostname: 'shop.example.com',
              tls: { certificateRefs: [{ kind: 'Secret', name: 'shop-cert' }] },
            },
            {
              name: 'https-far',
              port: 8443,
              protocol: 'HTTPS',
              hostname: 'far.example.com',
              tls: { certificateRefs: [{ kind: 'Secret', name: 'far-cert', namespace: certs }] },
            },
          ],
        },
      },
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'Gateway',
        metadata: { name: 'theirs', namespace: demo },
        spec: { gatewayClassName: otherClass, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
      },
      httpRoute('hijack-catalog', bad, [{ name: 'kong', namespace: demo }]),
      httpRoute('shop', demo, [{ name: 'kong' }], ['shop.example.com']),
      httpRoute('theirs-route', demo, [{ name: 'theirs' }]),
    ];
    await kubectlApply(objects.map((o) => JSON.stringify(o)).join('\n---\n'));

    pipeline = testPipeline(prefix, {
      namespace: demo,
      ingressStatus: new IngressStatusWriter({
        kubeConfig: kc,
        publishService: `${demo}/kong-proxy`,
        namespaces: [],
      }),
      gatewayStatus: new GatewayStatusWriter({ kubeConfig: kc, namespaces: [demo, bad, certs] }),
    });
    runtime = testRuntime({
      prefix,
      jobs: [buildConfig, gatewayStatus],
      deps: pipeline.deps,
      roles: ['build', 'drift'],
    });
    await runtime.start();
    const watchSet = new WatchSet({
      kubeConfig: kc,
      store: pipeline.objects,
      namespaces: [demo, bad, certs],
      onChange: (reason) => void pipeline.producer.enqueue(buildConfig, { reason }),
      logger: pino({ level: 'silent' }),
    });
    watching = watchSet.run(stop.signal);
    await eventually(() => watchSet.ready(), { timeoutMs: 60_000, description: 'the watch set to list' });
    await pipeline.producer.enqueue(buildConfig, { reason: 'test start' });
    // Settled: our route is accepted and the Gateway programmed.
    await eventually(
      async () => {
        const shop = await get('httproutes', demo, 'shop');
        const gateway = await get('gateways', demo, 'kong');
        return (
          ours(shop)[0]?.conditions.some((c) => c.type === 'Accepted' && c.status === 'True') === true &&
          gateway.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True') === true
        );
      },
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        description: 'status written for the shop route and the Gateway',
      },
    );
  }, 120_000);

  afterAll(async () => {
    stop.abort();
    await watching;
    await runtime?.stop('test done');
    await pipeline?.close();
    await deleteKeysWithPrefix(prefix);
    for (const name of [ourClass, otherClass])
      await custom
        .deleteClusterCustomObject({ group: GROUP, version: 'v1', plural: 'gatewayclasses', name })
        .catch(() => {});
  });

  it('refuses the hijack: Accepted=False NotAllowedByListeners, and nothing of it is in the config', async () => {
    const hijack = await get('httproutes', bad, 'hijack-catalog');
    expect(ours(hijack)).toEqual([
      {
        controllerName: KIC,
        parentRef: { group: GROUP, kind: 'Gateway', namespace: demo, name: 'kong' },
        conditions: [
          expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners' }),
          expect.objectContaining({ type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs' }),
        ],
      },
    ]);
    const names = routeNames(await desiredConfig());
    expect(names.filter((n) => n.startsWith(`httproute.${demo}.shop.`)).length).toBeGreaterThan(0);
    expect(names.filter((n) => n.includes('hijack-catalog'))).toEqual([]);
  });

  it('leaves a route and Gateway of another GatewayClass alone: no status from us', async () => {
    const route = await get('httproutes', demo, 'theirs-route');
    expect(route.status?.parents ?? []).toEqual([]);
    expect(routeNames(await desiredConfig()).filter((n) => n.includes('theirs-route'))).toEqual([]);
    // The apiserver's defaults (Unknown, Pending) are all their status holds.
    const gateway = await get('gateways', demo, 'theirs');
    for (const c of gateway.status?.conditions ?? [])
      expect([c.status, c.reason]).toEqual(['Unknown', 'Pending']);
    const cls = await getClass(otherClass);
    for (const c of cls.status?.conditions ?? [])
      expect([c.status, c.reason]).toEqual(['Unknown', 'Pending']);
    expect((await getClass(ourClass)).status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'Accepted', status: 'True', reason: 'Accepted' }),
    );
  });

  it('turns the HTTPS listener certificate into a Kong certificate with the Secret uid and the listener SNI', async () => {
    const secret = await core.readNamespacedSecret({ name: 'shop-cert', namespace: demo });
    const far = await core.readNamespacedSecret({ name: 'far-cert', namespace: certs });
    const config = await desiredConfig();
    const certificates = config?.certificates ?? [];
    expect(certificates.map((c) => c.id)).toContain(secret.metadata!.uid);
    expect(certificates.map((c) => c.id)).not.toContain(far.metadata!.uid);
    const cert = certificates.find((c) => c.id === secret.metadata!.uid)!;
    expect(cert.snis).toEqual([{ name: 'shop.example.com', certificate: { id: secret.metadata!.uid } }]);
    expect(cert.tags).toEqual(
      expect.arrayContaining(['k8s-name:shop-cert', `k8s-namespace:${demo}`, 'k8s-kind:Secret']),
    );
    const shop = (config?.services ?? [])
      .flatMap((s) => s.routes ?? [])
      .find((r) => r.name.startsWith(`httproute.${demo}.shop.`));
    expect(shop?.hosts).toEqual(['shop.example.com']);
    expect(shop?.protocols).toEqual(['http', 'https']);
  });

  it('reports a cross-namespace certificateRef without ReferenceGrant as ResolvedRefs=False RefNotPermitted', async () => {
    const gateway = await get('gateways', demo, 'kong');
    const listener = gateway.status?.listeners?.find((l) => l.name === 'https-far');
    expect(listener?.conditions).toContainEqual(
      expect.objectContaining({ type: 'ResolvedRefs', status: 'False', reason: 'RefNotPermitted' }),
    );
    const https = gateway.status?.listeners?.find((l) => l.name === 'https');
    expect(https?.conditions).toContainEqual(
      expect.objectContaining({ type: 'ResolvedRefs', status: 'True' }),
    );
    expect(https?.attachedRoutes).toBe(1);
  });

  it('marks the Gateway Programmed=True with the publish Service address', async () => {
    const publish = await core.readNamespacedService({ name: 'kong-proxy', namespace: demo });
    const gateway = await get('gateways', demo, 'kong');
    expect(gateway.status?.addresses).toEqual([{ type: 'IPAddress', value: publish.spec!.clusterIP }]);
    expect(gateway.status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Accepted', status: 'True', reason: 'Accepted' }),
        expect.objectContaining({ type: 'Programmed', status: 'True', reason: 'Programmed' }),
      ]),
    );
  });

  it('writes the sorted supportedFeatures on our Accepted GatewayClass and none on the other class', async () => {
    const cls = (await getClass(ourClass)) as GatewayObject & {
      status?: { supportedFeatures?: { name: string }[] };
    };
    expect(cls.status?.supportedFeatures?.map((f) => f.name)).toEqual([...SUPPORTED_FEATURES]);
    const other = (await getClass(otherClass)) as GatewayObject & {
      status?: { supportedFeatures?: unknown[] };
    };
    expect(other.status?.supportedFeatures ?? []).toEqual([]);
  });

  it('gives every condition it writes the observedGeneration of its object, and rewrites nothing unchanged', async () => {
    const gateway = await get('gateways', demo, 'kong');
    const cls = await getClass(ourClass);
    const routes = [await get('httproutes', demo, 'shop'), await get('httproutes', bad, 'hijack-catalog')];
    const seen: Array<[number | undefined, number]> = [
      ...(cls.status?.conditions ?? []).map(
        (c) => [c.observedGeneration, cls.metadata.generation] as [number | undefined, number],
      ),
      ...(gateway.status?.conditions ?? []).map(
        (c) => [c.observedGeneration, gateway.metadata.generation] as [number | undefined, number],
      ),
      ...(gateway.status?.listeners ?? []).flatMap((l) =>
        l.conditions.map(
          (c) => [c.observedGeneration, gateway.metadata.generation] as [number | undefined, number],
        ),
      ),
      ...routes.flatMap((r) =>
        ours(r).flatMap((p) =>
          p.conditions.map(
            (c) => [c.observedGeneration, r.metadata.generation] as [number | undefined, number],
          ),
        ),
      ),
    ];
    expect(seen.length).toBe(1 + 2 + 3 * 4 + 2 * 2);
    for (const [observed, generation] of seen) expect(observed).toBe(generation);

    const id = await pipeline.producer.enqueue(gatewayStatus, {});
    const job = await jobInState(pipeline.producer.queue('gateway-status'), id!, 'completed', 30_000);
    expect(job.returnvalue).toMatchObject({ written: 0 });
  });
});

function httpRoute(
  name: string,
  namespace: string,
  parentRefs: Record<string, unknown>[],
  hostnames?: string[],
) {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: {
      parentRefs,
      ...(hostnames ? { hostnames } : {}),
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ name: 'good-svc', port: 80 }],
        },
      ],
    },
  };
}
