import { CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../../jobs/build.ts';
import { gatewayStatus } from '../../../jobs/gateway-status.ts';
import { GatewayStatusWriter } from '../../../k8s/gateway-status.ts';
import { IngressStatusWriter } from '../../../k8s/ingress-status.ts';
import { WatchSet } from '../../../k8s/watch-set.ts';
import type { KongDeclarativeConfig } from '../../../kong/declarative.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig, kubectlApply } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';
import { TEST_CERT } from '../../unit/translate/test-certs.ts';

const GROUP = 'gateway.networking.k8s.io';
const KIC = 'konghq.com/kic-gateway-controller';

interface Condition {
  type: string;
  status: string;
  reason: string;
  observedGeneration?: number;
}
interface PolicyObject {
  metadata: { generation: number };
  status?: {
    ancestors?: { ancestorRef: Record<string, unknown>; controllerName: string; conditions: Condition[] }[];
  };
}

/**
 * BackendTLSPolicy on the real apiserver (the v1 CRD the harness installs), through the real watch set, build and
 * status jobs: the Kong service of the HTTPRoute's backend verifies TLS with the referenced CA ConfigMap, and the
 * policy's status.ancestors says Accepted/ResolvedRefs for our Gateway with its observedGeneration.
 */
describe('BackendTLSPolicy (issue 18)', () => {
  const prefix = uniquePrefix('btls');
  const kc = kubeConfig();
  const custom = kc.makeApiClient(CustomObjectsApi);
  let ns: string;
  let className: string;
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  const stop = new AbortController();
  let watching: Promise<void> | undefined;

  const getPolicy = (name: string) =>
    custom.getNamespacedCustomObject({
      group: GROUP,
      version: 'v1',
      namespace: ns,
      plural: 'backendtlspolicies',
      name,
    }) as Promise<PolicyObject>;
  const desiredConfig = async (): Promise<KongDeclarativeConfig | undefined> => {
    const desired = await pipeline.builds.desired();
    const text = desired ? await pipeline.builds.text(desired.hash) : null;
    return text ? (JSON.parse(text) as KongDeclarativeConfig) : undefined;
  };
  const policy = (name: string, target: string, caName: string) => ({
    apiVersion: `${GROUP}/v1`,
    kind: 'BackendTLSPolicy',
    metadata: { name, namespace: ns },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: target }],
      validation: {
        caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: caName }],
        hostname: 'backend.example',
      },
    },
  });
  const route = (name: string, backend: string) => ({
    apiVersion: `${GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name, namespace: ns },
    spec: {
      parentRefs: [{ name: 'kong' }],
      hostnames: [`${name}.example.com`],
      rules: [{ backendRefs: [{ name: backend, port: 443 }] }],
    },
  });
  const svc = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
  });

  beforeAll(async () => {
    ns = await freshNamespace('btls');
    className = `${ns}-kong`;
    const objects = [
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'GatewayClass',
        metadata: { name: className },
        spec: { controllerName: KIC },
      },
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'Gateway',
        metadata: { name: 'kong', namespace: ns },
        spec: { gatewayClassName: className, listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
      },
      svc('secure'),
      svc('broken'),
      svc('kong-proxy'),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'backend-ca', namespace: ns },
        data: { 'ca.crt': TEST_CERT },
      },
      route('secure', 'secure'),
      route('broken', 'broken'),
      policy('secure-tls', 'secure', 'backend-ca'),
      policy('broken-tls', 'broken', 'no-such-ca'),
    ];
    await kubectlApply(objects.map((o) => JSON.stringify(o)).join('\n---\n'));

    pipeline = testPipeline(prefix, {
      namespace: ns,
      ingressStatus: new IngressStatusWriter({
        kubeConfig: kc,
        publishService: `${ns}/kong-proxy`,
        namespaces: [],
      }),
      gatewayStatus: new GatewayStatusWriter({ kubeConfig: kc, namespaces: [ns] }),
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
      namespaces: [ns],
      onChange: (reason) => void pipeline.producer.enqueue(buildConfig, { reason }),
      logger: pino({ level: 'silent' }),
    });
    watching = watchSet.run(stop.signal);
    await eventually(() => watchSet.ready(), { timeoutMs: 60_000, description: 'the watch set to list' });
    await pipeline.producer.enqueue(buildConfig, { reason: 'test start' });
    await eventually(
      async () => {
        const [a, b] = await Promise.all([getPolicy('secure-tls'), getPolicy('broken-tls')]);
        return (a.status?.ancestors?.length ?? 0) > 0 && (b.status?.ancestors?.length ?? 0) > 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'status.ancestors written on both policies' },
    );
  }, 120_000);

  afterAll(async () => {
    stop.abort();
    await watching;
    await runtime?.stop('test done');
    await pipeline?.close();
    await deleteKeysWithPrefix(prefix);
    await custom
      .deleteClusterCustomObject({ group: GROUP, version: 'v1', plural: 'gatewayclasses', name: className })
      .catch(() => {});
  });

  it('the Kong service of the targeted backend verifies TLS with the CA ConfigMap', async () => {
    const config = await eventually(
      async () => {
        const c = await desiredConfig();
        return c?.services?.find((s) => s.name?.startsWith(`httproute.${ns}.secure.`))?.tls_verify
          ? c
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'a build with the policy applied' },
    );
    const secure = config.services?.find((s) => s.name?.startsWith(`httproute.${ns}.secure.`));
    const broken = config.services?.find((s) => s.name?.startsWith(`httproute.${ns}.broken.`));
    const ca = config.ca_certificates?.find((c) => c.cert === TEST_CERT.trim());
    expect(ca).toBeDefined();
    expect(secure).toMatchObject({
      protocol: 'https',
      tls_verify: true,
      ca_certificates: [ca?.id],
      port: 443,
    });
    expect(config.upstreams?.find((u) => u.name === secure?.host)?.host_header).toBe('backend.example');
    // The policy whose CA does not resolve is not applied.
    expect(broken).toMatchObject({ protocol: 'http' });
    expect(broken?.tls_verify).toBeUndefined();
  });

  it('writes status.ancestors for our Gateway with Accepted/ResolvedRefs and observedGeneration', async () => {
    const ancestorRef = { group: GROUP, kind: 'Gateway', namespace: ns, name: 'kong' };
    const secure = await getPolicy('secure-tls');
    expect(secure.status?.ancestors).toEqual([
      {
        ancestorRef,
        controllerName: KIC,
        conditions: [
          expect.objectContaining({
            type: 'Accepted',
            status: 'True',
            reason: 'Accepted',
            observedGeneration: secure.metadata.generation,
          }),
          expect.objectContaining({
            type: 'ResolvedRefs',
            status: 'True',
            reason: 'ResolvedRefs',
            observedGeneration: secure.metadata.generation,
          }),
        ],
      },
    ]);
    const broken = await getPolicy('broken-tls');
    expect(broken.status?.ancestors?.[0]?.conditions).toEqual([
      expect.objectContaining({
        type: 'Accepted',
        status: 'False',
        reason: 'NoValidCACertificate',
        observedGeneration: broken.metadata.generation,
      }),
      expect.objectContaining({
        type: 'ResolvedRefs',
        status: 'False',
        reason: 'InvalidCACertificateRef',
        observedGeneration: broken.metadata.generation,
      }),
    ]);
  });
});
