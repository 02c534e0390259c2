import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { V1Deployment, V1PodSpec } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { migrateKic } from '../../../workers/kic-migration.ts';
import { eventually } from '../../helpers/eventually.ts';
import { CHART_DIR, helm } from '../../helpers/helm.ts';
import { freshNamespace, kubeconfigPath, kubectl } from '../../helpers/kube.ts';
import { isHook, renderChart, templateArgs } from './chart.ts';
import type { Manifest } from './overlay.ts';

// The chart against the run's real API server (KWOK nodes: pods are scheduled and turn Ready, no
// container runs, so the controller's own behaviour is not what is under test here).

/** What a test release sets on top of the defaults: Redis without a volume (no storage provisioner here). */
const RELEASE_VALUES = ['redis.bundled.persistence.enabled=false'];

/** Every optional part that renders kinds the local cluster has (no cert-manager, no Prometheus Operator). */
const OPTIONAL_PARTS = [
  'webhook.enabled=true',
  'controller.podDisruptionBudget.enabled=true',
  'proxy.podDisruptionBudget.enabled=true',
  'proxy.podAntiAffinity=hard',
  'controller.topologySpreadConstraints[0].maxSkew=1',
  'controller.topologySpreadConstraints[0].topologyKey=kubernetes.io/hostname',
  'controller.topologySpreadConstraints[0].whenUnsatisfiable=DoNotSchedule',
];

/** What kube-controller-manager puts into every namespace: not the release's. */
const NAMESPACE_OWN = ['configmap/kube-root-ca.crt', 'serviceaccount/default'];

const identity = (m: Manifest) => `${m.kind} ${m.metadata?.namespace ?? '-'}/${m.metadata?.name}`;

/** The release's objects as the API server holds them, without what the server or the controllers write. */
async function liveState(namespace: string, release: string): Promise<Map<string, unknown>> {
  const { stdout: manifest } = await helm(['get', 'manifest', release, `--namespace=${namespace}`]);
  const live = JSON.parse(await kubectl(['get', '-f', '-', '-o', 'json'], { input: manifest })) as {
    items: Manifest[];
  };
  return new Map(
    live.items.map((item) => {
      const { status: _status, metadata, ...rest } = item as Manifest & { status?: unknown };
      const {
        resourceVersion: _rv,
        generation: _generation,
        managedFields: _managed,
        annotations = {},
        ...meta
      } = metadata ?? {};
      const { 'deployment.kubernetes.io/revision': _revision, ...kept } = annotations;
      return [identity(item), { ...rest, metadata: { ...meta, annotations: kept } }];
    }),
  );
}

/** `object-id path` of every leaf that differs between two states (added and removed objects too). */
function changedPaths(before: Map<string, unknown>, after: Map<string, unknown>): string[] {
  const changes: string[] = [];
  const walk = (id: string, path: string, a: unknown, b: unknown) => {
    if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of keys)
        walk(
          id,
          path ? `${path}.${key}` : key,
          (a as Record<string, unknown>)[key],
          (b as Record<string, unknown>)[key],
        );
    } else if (JSON.stringify(a) !== JSON.stringify(b)) changes.push(`${id} ${path}`);
  };
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    if (!before.has(id)) changes.push(`${id} added`);
    else if (!after.has(id)) changes.push(`${id} removed`);
    else walk(id, '', before.get(id), after.get(id));
  }
  return changes.sort();
}

async function deployment(namespace: string, name: string): Promise<V1Deployment> {
  return JSON.parse(await kubectl(['get', 'deployment', name, `--namespace=${namespace}`, '-o', 'json']));
}

/** Waits until the Deployment's current template runs `replicas` ready pods. */
async function rolledOut(namespace: string, name: string, replicas: number) {
  // Below the kubectl helper's own 120 s kill, so a stuck rollout reports kubectl's message.
  await kubectl(['rollout', 'status', `deployment/${name}`, `--namespace=${namespace}`, '--timeout=100s']);
  const status = (await deployment(namespace, name)).status;
  expect({ ready: status?.readyReplicas, updated: status?.updatedReplicas }).toEqual({
    ready: replicas,
    updated: replicas,
  });
}

describe('helm lint and helm template | kubectl apply --dry-run=server', () => {
  it('lints clean (--strict) with the defaults and with every optional part on', async () => {
    const variants: string[][] = [
      [],
      OPTIONAL_PARTS,
      ['adminTLS.source=certManager', 'webhook.enabled=true', 'webhook.tls.source=certManager'],
      ['metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true'],
      ['redis.mode=sentinel'],
      [
        'redis.mode=external',
        'redis.external.existingSecret=redis-credentials',
        'rbac.watchNamespaces={a,b}',
      ],
      [
        'proxy.enabled=false',
        'controller.adminService=kong/kong-admin',
        'adminTLS.source=existingSecrets',
        // No server Secret: the proxies are not the chart's.
        'adminTLS.existingSecrets.client=client-tls',
      ],
    ];
    for (const set of variants) {
      const { stdout } = await helm([
        'lint',
        CHART_DIR,
        '--strict',
        ...set.flatMap((pair) => ['--set', pair]),
      ]);
      expect(stdout, set.join(' ')).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(stdout, set.join(' ')).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it('applies clean (server dry run, no warning) in a namespace that enforces Pod Security restricted', async () => {
    const namespace = await freshNamespace('helm-dry');
    await kubectl([
      'label',
      'namespace',
      namespace,
      'pod-security.kubernetes.io/enforce=restricted',
      'pod-security.kubernetes.io/warn=restricted',
    ]);
    for (const set of [[], OPTIONAL_PARTS, ['redis.mode=sentinel']]) {
      const args = templateArgs({ release: namespace, namespace, set, includeCrds: true });
      const { stdout: rendered } = await helm(args);
      const out = await kubectl(['apply', '--dry-run=server', '--warnings-as-errors', '-f', '-'], {
        input: rendered,
      });
      const lines = out.trim().split('\n');
      const objects = await renderChart({ release: namespace, namespace, set, includeCrds: true });
      expect(lines).toHaveLength(objects.length);
      // The CRDs exist already (the global setup created them from deploy/crds, which crds/ equals, without
      // kubectl's last-applied annotation, so apply reports them configured); all else is new.
      const crds = objects.filter((m) => m.kind === 'CustomResourceDefinition').length;
      expect(
        lines.filter((line) =>
          /^customresourcedefinition\.apiextensions\.k8s\.io\/\S+ (unchanged|configured) \(server dry run\)$/.test(
            line,
          ),
        ),
      ).toHaveLength(crds);
      expect(lines.filter((line) => line.endsWith(' created (server dry run)'))).toHaveLength(
        objects.length - crds,
      );
    }
  });

  it('refuses values it cannot honour, naming them', async () => {
    const refusal = async (set: string[]) =>
      helm(templateArgs({ set })).then(
        () => `rendered with ${set.join(' ')}`,
        (err: Error) => err.message,
      );
    expect(await refusal(['controller.env.log_levle=debug'])).toMatch(
      /controller\.env\.log_levle is not a setting of kong-fleet run/,
    );
    expect(await refusal(['controller.env.redis_url=redis://elsewhere:6379'])).toMatch(
      /controller\.env\.redis_url is set by the chart/,
    );
    expect(await refusal(['redis.mode=sentinel', 'controller.env.redis_sentinels=a:26379'])).toMatch(
      /controller\.env\.redis_sentinels is set by the chart with redis\.mode=sentinel/,
    );
    expect(await refusal(['redis.mode=sentinel', 'redis.sentinel.quorum=4'])).toMatch(
      /redis\.sentinel\.quorum \(4\) is more than redis\.sentinel\.sentinels \(3\)/,
    );
    expect(await refusal(['redis.mode=external'])).toMatch(
      /redis\.external\.url or redis\.external\.existingSecret/,
    );
    expect(await refusal(['adminTLS.source=existingSecrets'])).toMatch(
      /adminTLS\.existingSecrets\.(client|server) is required/,
    );
    expect(await refusal(['proxy.enabled=false', 'controller.adminService=kong/kong-admin'])).toMatch(
      /with proxy\.enabled=false use existingSecrets/,
    );
    expect(
      await refusal([
        'proxy.enabled=false',
        'adminTLS.source=existingSecrets',
        'adminTLS.existingSecrets.client=client-tls',
      ]),
    ).toMatch(/controller\.adminService .* is required/);
  });

  it('renders cert-manager Certificates, monitoring and an external Redis when asked', async () => {
    const kinds = async (set: string[]) => (await renderChart({ set })).map((m) => m.kind).sort();
    const certManager = await kinds(['adminTLS.source=certManager']);
    expect(certManager.filter((k) => k === 'Certificate')).toHaveLength(3);
    expect(certManager.filter((k) => k === 'Issuer')).toHaveLength(2);
    // No mTLS Secret of the chart's own: the one Secret left is the storage key ring.
    const certManagerSecrets = (await renderChart({ set: ['adminTLS.source=certManager'] }))
      .filter((m) => m.kind === 'Secret')
      .map((m) => m.metadata?.name);
    expect(certManagerSecrets).toEqual(['kong-fleet-storage-key']);
    const monitoring = await kinds([
      'metrics.serviceMonitor.enabled=true',
      'metrics.prometheusRule.enabled=true',
    ]);
    expect(monitoring).toEqual(expect.arrayContaining(['ServiceMonitor', 'PrometheusRule']));
    expect(await kinds([])).not.toEqual(expect.arrayContaining(['ServiceMonitor']));

    const external = await renderChart({
      set: ['redis.mode=external', 'redis.external.existingSecret=redis-credentials'],
    });
    expect(external.filter((m) => m.metadata?.name?.includes('redis'))).toEqual([]);
    const controller = external.find((m) => m.kind === 'Deployment') as unknown as V1Deployment;
    const redisUrl = controller.spec?.template.spec?.containers[0]?.env?.find(
      (v) => v.name === 'KONG_FLEET_REDIS_URL',
    );
    expect(redisUrl).toEqual({
      name: 'KONG_FLEET_REDIS_URL',
      valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'url' } },
    });
  });

  it('renders the bundled Redis Sentinel group, and points the controller at its Sentinels', async () => {
    const objects = await renderChart({ set: ['redis.mode=sentinel'] });
    const redis = objects.filter((m) => m.metadata?.name?.includes('redis')).map(identity);
    expect(redis.sort()).toEqual(
      [
        'ConfigMap kong-fleet/kong-fleet-redis-sentinel-config',
        'NetworkPolicy kong-fleet/kong-fleet-redis',
        'Service kong-fleet/kong-fleet-redis-node',
        'Service kong-fleet/kong-fleet-redis-sentinel',
        'StatefulSet kong-fleet/kong-fleet-redis-node',
        'StatefulSet kong-fleet/kong-fleet-redis-sentinel',
      ].sort(),
    );
    const sets = objects.filter((m) => m.kind === 'StatefulSet') as unknown as {
      metadata: { name: string };
      spec: { replicas: number; volumeClaimTemplates?: unknown[] };
    }[];
    expect(sets.map((set) => [set.metadata.name, set.spec.replicas])).toEqual([
      ['kong-fleet-redis-node', 2],
      ['kong-fleet-redis-sentinel', 3],
    ]);
    // Each node keeps its AOF on a claim of its own.
    expect(sets[0]!.spec.volumeClaimTemplates).toHaveLength(1);
    const controller = objects.find((m) => m.kind === 'Deployment') as unknown as V1Deployment;
    const env = controller.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env.find((v) => v.name === 'KONG_FLEET_REDIS_SENTINELS')?.value).toBe(
      [0, 1, 2]
        .map((i) => `kong-fleet-redis-sentinel-${i}.kong-fleet-redis-sentinel.kong-fleet.svc:26379`)
        .join(','),
    );
    expect(env.find((v) => v.name === 'KONG_FLEET_REDIS_SENTINEL_NAME')?.value).toBe('kong-fleet');
    const config = objects.find(
      (m) => m.kind === 'ConfigMap' && m.metadata?.name?.endsWith('sentinel-config'),
    ) as { data: Record<string, string> } | undefined;
    expect(config?.data['sentinel.conf']).toContain(
      'sentinel monitor kong-fleet kong-fleet-redis-node-0.kong-fleet-redis-node.NAMESPACE.svc 6379 2',
    );
    expect(config?.data['redis.conf']).toContain('maxmemory-policy noeviction');
  });
});

describe('kong-fleet migrate output', () => {
  it('renders with the chart for both KIC samples, carrying the settings into the controller', async () => {
    for (const [file, adminService] of [
      ['kic-deployment.yaml', 'kong/kong-gateway-admin'],
      ['kong-ingress-values.yaml', 'kong/kong-gateway-admin'],
    ] as const) {
      const text = await readFile(new URL(`../../../examples/kic/${file}`, import.meta.url), 'utf8');
      const { values } = migrateKic(parseAllDocuments(text).map((doc) => doc.toJS()));
      // kong/ingress values cannot name the admin Service or the mTLS Secret (that chart derives both):
      // the operator adds what the leftovers name. Values migrate carried win.
      const withService = {
        adminTLS: { source: 'existingSecrets', existingSecrets: { client: 'kong-admin-api-cert' } },
        ...values,
        controller: { adminService, ...(values.controller as object) },
      };
      const valuesFile = join(dirname(kubeconfigPath()), `migrated-${file}`);
      await writeFile(valuesFile, stringify(withService));
      const { stdout } = await helm([...templateArgs(), '-f', valuesFile]);
      const objects = parseAllDocuments(stdout).map((doc) => doc.toJS() as Manifest);
      const deployments = objects.filter((m) => m.kind === 'Deployment').map((m) => m.metadata?.name);
      expect(deployments, file).toEqual(['kong-fleet', 'kong-fleet-redis']);
      const controller = objects.find((m) => m.kind === 'Deployment' && m.metadata?.name === 'kong-fleet');
      const env = (controller as unknown as V1Deployment).spec?.template.spec?.containers[0]?.env ?? [];
      expect(env.find((v) => v.name === 'KONG_FLEET_ADMIN_SERVICE')?.value, file).toBe(adminService);
      const migratedEnv = migrateKic(parseAllDocuments(text).map((doc) => doc.toJS())).env;
      for (const [name, value] of Object.entries(migratedEnv))
        expect(env.find((v) => v.name === name)?.value, `${file} ${name}`).toBe(value);
    }
  });
});

describe('helm install, upgrade, rollback, uninstall', () => {
  let namespace: string;
  let release: string;
  let fullname: string;
  let installed: Map<string, unknown>;
  const timeout = 240_000;

  beforeAll(async () => {
    namespace = await freshNamespace('helm');
    release = namespace;
    fullname = `${release}-kong-fleet`;
  });

  const setArgs = (set: readonly string[]) => set.flatMap((pair) => ['--set', pair]);

  it(
    'installs: every rendered object exists, the workloads roll out, the mTLS material fits together',
    async () => {
      const { stdout } = await helm(
        ['install', release, CHART_DIR, `--namespace=${namespace}`, ...setArgs(RELEASE_VALUES)],
        { timeoutMs: timeout },
      );
      expect(stdout).toMatch(/STATUS: deployed/);
      expect(stdout).toMatch(/REVISION: 1/);

      const rendered = (await renderChart({ release, namespace, set: RELEASE_VALUES })).filter(
        (m) => !isHook(m),
      );
      installed = await liveState(namespace, release);
      expect([...installed.keys()].sort()).toEqual(rendered.map(identity).sort());

      await rolledOut(namespace, fullname, 2);
      await rolledOut(namespace, `${fullname}-kong`, 2);
      await rolledOut(namespace, `${fullname}-redis`, 1);

      // The generated CA signed both certificates; the proxies' names what the controller verifies.
      const secret = async (name: string) => {
        const data = JSON.parse(
          await kubectl(['get', 'secret', name, `--namespace=${namespace}`, '-o', 'json']),
        ).data as Record<string, string>;
        return (key: string) => new X509Certificate(Buffer.from(data[key]!, 'base64'));
      };
      const client = await secret(`${fullname}-admin-client-tls`);
      const server = await secret(`${fullname}-kong-admin-tls`);
      expect(client('ca.crt').fingerprint256).toBe(server('ca.crt').fingerprint256);
      expect(client('tls.crt').verify(client('ca.crt').publicKey)).toBe(true);
      expect(server('tls.crt').verify(server('ca.crt').publicKey)).toBe(true);
      expect(server('tls.crt').checkHost(`pod.${fullname}-kong-admin.${namespace}.svc`)).toBeDefined();
    },
    timeout,
  );

  it(
    'helm test runs the /readyz hook Job to completion and deletes it',
    async () => {
      const { stdout } = await helm(['test', release, `--namespace=${namespace}`, '--timeout=120s'], {
        timeoutMs: timeout,
      });
      expect(stdout).toMatch(new RegExp(`TEST SUITE:\\s+${fullname}-test-readyz`));
      expect(stdout).toMatch(/Phase:\s+Succeeded/);
      // What it checks: GET /readyz of the controller Service (KWOK completes the pod without running it).
      const hook = (await renderChart({ release, namespace, set: RELEASE_VALUES })).find(isHook);
      expect(hook?.kind).toBe('Job');
      const command = (hook!.spec as { template: { spec: V1PodSpec } }).template.spec.containers[0]?.command;
      expect(command?.at(-1)).toBe(`http://${fullname}:8080/readyz`);
      expect(installed.has(`Service ${namespace}/${fullname}`)).toBe(true);
      // hook-succeeded: the Job is gone again, so it never shows in the release's objects.
      await eventually(
        async () =>
          (
            await kubectl(['get', 'jobs', `--namespace=${namespace}`, '-o', 'name', '--ignore-not-found'])
          ).trim() === '',
        { description: 'the test Job deleted', timeoutMs: 30_000 },
      );
    },
    timeout,
  );

  it(
    'upgrades with changed values: exactly the replicas and the setting change, nothing else',
    async () => {
      const { stdout } = await helm(
        [
          'upgrade',
          release,
          CHART_DIR,
          `--namespace=${namespace}`,
          ...setArgs([...RELEASE_VALUES, 'controller.replicaCount=3', 'controller.env.log_level=debug']),
        ],
        { timeoutMs: timeout },
      );
      expect(stdout).toMatch(/REVISION: 2/);
      const upgraded = await liveState(namespace, release);
      const controllerId = `Deployment ${namespace}/${fullname}`;
      const env = (
        (upgraded.get(controllerId) as V1Deployment).spec?.template.spec?.containers[0]?.env ?? []
      ).map((v) => v.name);
      const logLevel = env.indexOf('KONG_FLEET_LOG_LEVEL');
      expect(logLevel).toBeGreaterThan(-1);
      expect(changedPaths(installed, upgraded)).toEqual(
        [
          `${controllerId} spec.replicas`,
          `${controllerId} spec.template.spec.containers.0.env.${logLevel}.value`,
        ].sort(),
      );
      const container = (upgraded.get(controllerId) as V1Deployment).spec?.template.spec?.containers[0];
      expect(container?.env?.[logLevel]?.value).toBe('debug');
      // The new template rolls out to all three replicas.
      await rolledOut(namespace, fullname, 3);
    },
    timeout,
  );

  it(
    'rolls back to revision 1: the live objects are the installed ones again',
    async () => {
      await helm(['rollback', release, '1', `--namespace=${namespace}`], { timeoutMs: timeout });
      expect(changedPaths(installed, await liveState(namespace, release))).toEqual([]);
      const { stdout } = await helm(['history', release, `--namespace=${namespace}`, '-o', 'json']);
      const history = JSON.parse(stdout) as { revision: number; status: string; description: string }[];
      expect(history.map((h) => [h.revision, h.status])).toEqual([
        [1, 'superseded'],
        [2, 'superseded'],
        [3, 'deployed'],
      ]);
      await rolledOut(namespace, fullname, 2);
    },
    timeout,
  );

  it(
    'uninstalls: nothing of the release is left but the CRDs',
    async () => {
      await helm(['uninstall', release, `--namespace=${namespace}`, '--wait', '--timeout=120s'], {
        timeoutMs: timeout,
      });
      const selector = `app.kubernetes.io/instance=${release}`;
      // Pods go after their Deployments (garbage collector, then KWOK): wait for them with a deadline.
      await eventually(
        async () => {
          const left = await kubectl([
            'get',
            'all,secrets,configmaps,pvc,serviceaccounts,roles,rolebindings,networkpolicies,poddisruptionbudgets',
            `--namespace=${namespace}`,
            '-o',
            'name',
          ]);
          const ours = left
            .trim()
            .split('\n')
            .filter((line) => line !== '' && !NAMESPACE_OWN.includes(line));
          if (ours.length > 0) throw new Error(`still there: ${ours.join(', ')}`);
          return true;
        },
        { description: `no object left in ${namespace}`, timeoutMs: 120_000 },
      );
      const cluster = await kubectl([
        'get',
        'clusterroles,clusterrolebindings',
        '-l',
        selector,
        '-o',
        'name',
      ]);
      expect(cluster.trim()).toBe('');
      // The CRDs stay (Helm never deletes what crds/ installed), and so does the ProxyFleet kind.
      await kubectl(['get', 'crd', 'proxyfleets.kongfleet.io', 'proxyinstances.kongfleet.io']);
    },
    timeout,
  );
});
