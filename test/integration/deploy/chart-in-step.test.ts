import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Container, V1Deployment, V1EnvVar, V1PolicyRule, V1Service } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { settingSpecs } from '../../../workers/settings.ts';
import { CHART_DIR } from '../../helpers/helm.ts';
import { isHook, renderChart } from './chart.ts';
import { DEPLOY_DIR, type Manifest, render } from './overlay.ts';
import { container, podSpec } from './pod-template.ts';
import { settingsCoverage } from './settings-coverage.ts';

// `kubectl apply -k deploy` and the chart's default render (release `kong-fleet` in namespace
// `kong-fleet`) install the same thing. One of them changing without the other fails here, with the
// difference as the assertion's diff. What differs by design is listed below, and only that.

/** deploy's name → the chart's, for objects the chart prefixes with its full name (several releases per namespace). */
const RENAMED: readonly (readonly [kind: string, deploy: string, chart: string])[] = [
  ['ConfigMap', 'redis-config', 'kong-fleet-redis-config'],
  ['Service', 'redis', 'kong-fleet-redis'],
  ['PersistentVolumeClaim', 'redis-data', 'kong-fleet-redis-data'],
  ['Deployment', 'redis', 'kong-fleet-redis'],
  ['NetworkPolicy', 'redis', 'kong-fleet-redis'],
  ['ServiceAccount', 'kong-proxy', 'kong-fleet-kong'],
  ['Deployment', 'kong', 'kong-fleet-kong'],
  ['Service', 'kong-admin', 'kong-fleet-kong-admin'],
  ['Service', 'kong-proxy', 'kong-fleet-kong-proxy'],
  ['NetworkPolicy', 'kong', 'kong-fleet-kong'],
  // Not a deploy object (scripts/deploy/make-certs.ts makes it), but the proxies mount it.
  ['Secret', 'kong-admin-tls', 'kong-fleet-kong-admin-tls'],
];

/** In deploy only: Helm installs into the namespace it is given (`--create-namespace`). */
const DEPLOY_ONLY = ['Namespace -/kong-fleet'];

/** In the chart only: the mTLS and storage-key Secrets it generates (deploy: make-certs.ts) and the `helm test` pod. */
const CHART_ONLY = [
  'Secret kong-fleet/kong-fleet-admin-client-tls',
  'Secret kong-fleet/kong-fleet-kong-admin-tls',
  'Secret kong-fleet/kong-fleet-storage-key',
  'Job kong-fleet/kong-fleet-test-readyz',
];

const toDeployName = (kind: string, name: string) =>
  RENAMED.find(([k, , chart]) => k === kind && chart === name)?.[1] ?? name;

const identity = (m: Manifest) => `${m.kind} ${m.metadata?.namespace ?? '-'}/${m.metadata?.name}`;

/** A chart object's identity in deploy's names. */
const deployIdentity = (m: Manifest) =>
  `${m.kind} ${m.metadata?.namespace ?? '-'}/${toDeployName(m.kind!, m.metadata!.name!)}`;

/** Chart Service names inside setting values (`redis://kong-fleet-redis:6379`) in deploy's names. */
function deployValue(value: string): string {
  let result = value;
  for (const [kind, deploy, chart] of RENAMED)
    if (kind === 'Service') result = result.replace(new RegExp(`\\b${chart}\\b`, 'g'), deploy);
  return result;
}

type Side = 'deploy' | 'chart';

const name = (side: Side, kind: string, value: string | undefined) =>
  value === undefined || side === 'deploy' ? value : toDeployName(kind, value);

const labelsMatch = (
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

/** The Deployments (in deploy's names) whose pods a label selector picks. */
function selected(side: Side, objects: readonly Manifest[], selector: Record<string, string> | undefined) {
  return (objects.filter((m) => m.kind === 'Deployment') as unknown as V1Deployment[])
    .filter((d) => labelsMatch(selector, d.spec?.template.metadata?.labels))
    .map((d) => name(side, 'Deployment', d.metadata?.name))
    .sort();
}

function envEntry(side: Side, variable: V1EnvVar) {
  if (variable.valueFrom) return { name: variable.name, valueFrom: variable.valueFrom };
  const value = variable.value ?? '';
  return { name: variable.name, value: side === 'chart' ? deployValue(value) : value };
}

function containerShape(side: Side, c: V1Container) {
  return {
    name: c.name,
    image: c.image,
    args: c.args,
    env: (c.env ?? []).map((v) => envEntry(side, v)).sort((a, b) => a.name.localeCompare(b.name)),
    ports: c.ports,
    startupProbe: c.startupProbe,
    livenessProbe: c.livenessProbe,
    readinessProbe: c.readinessProbe,
    lifecycle: c.lifecycle,
    resources: c.resources,
    securityContext: c.securityContext,
    volumeMounts: c.volumeMounts,
  };
}

/** What a Deployment runs, in deploy's names; labels, strategy and scheduling are left out (chart extras). */
function deploymentShape(side: Side, m: Manifest) {
  const d = m as unknown as V1Deployment;
  const pod = d.spec!.template.spec!;
  return {
    replicas: d.spec?.replicas,
    serviceAccountName: name(side, 'ServiceAccount', pod.serviceAccountName),
    automountServiceAccountToken: pod.automountServiceAccountToken,
    enableServiceLinks: pod.enableServiceLinks,
    terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds,
    securityContext: pod.securityContext,
    volumes: (pod.volumes ?? []).map((v) => ({
      name: v.name,
      secret: v.secret && { ...v.secret, secretName: name(side, 'Secret', v.secret.secretName) },
      configMap: v.configMap && { ...v.configMap, name: name(side, 'ConfigMap', v.configMap.name) },
      persistentVolumeClaim: v.persistentVolumeClaim && {
        claimName: name(side, 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName),
      },
      emptyDir: v.emptyDir,
    })),
    containers: pod.containers.map((c) => containerShape(side, c)),
  };
}

function serviceShape(side: Side, objects: readonly Manifest[], m: Manifest) {
  const spec = (m as unknown as V1Service).spec!;
  return {
    type: spec.type ?? 'ClusterIP',
    clusterIP: spec.clusterIP,
    publishNotReadyAddresses: spec.publishNotReadyAddresses,
    ports: spec.ports,
    selects: selected(side, objects, spec.selector),
  };
}

interface PolicyManifest {
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: { from?: { podSelector?: { matchLabels?: Record<string, string> } }[]; ports?: unknown[] }[];
  };
}

function policyShape(side: Side, objects: readonly Manifest[], m: Manifest) {
  const { spec } = m as unknown as PolicyManifest;
  return {
    protects: selected(side, objects, spec.podSelector.matchLabels),
    policyTypes: spec.policyTypes,
    ingress: (spec.ingress ?? []).map((rule) => ({
      from: rule.from?.map((peer) => selected(side, objects, peer.podSelector?.matchLabels)),
      ports: rule.ports,
    })),
  };
}

/** A role's rules as `verb group/resource[name]` lines, so a diff names the one permission that moved. */
const permissions = (rules: readonly V1PolicyRule[]) =>
  rules
    .flatMap((rule) =>
      (rule.apiGroups ?? ['']).flatMap((group) =>
        (rule.resources ?? []).flatMap((resource) =>
          rule.verbs.flatMap((verb) =>
            (rule.resourceNames?.length ? rule.resourceNames : [undefined]).map(
              (resourceName) =>
                `${verb} ${group || 'core'}/${resource}${resourceName ? `[${resourceName}]` : ''}`,
            ),
          ),
        ),
      ),
    )
    .sort();

/** redis.conf without comments and blank lines. */
const directives = (conf: string) =>
  conf
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

describe('the chart and `kubectl apply -k deploy` stay in step', () => {
  let deploy: Manifest[];
  let chart: Manifest[];
  /** The chart object that stands for a deploy object (same kind, name mapped). */
  const counterpart = (m: Manifest) => {
    const found = chart.find(
      (c) => c.kind === m.kind && toDeployName(c.kind!, c.metadata!.name!) === m.metadata?.name,
    );
    if (!found) throw new Error(`the chart renders no counterpart of ${identity(m)}`);
    return found;
  };
  const ofKind = (kind: string) => deploy.filter((m) => m.kind === kind);

  beforeAll(async () => {
    [deploy, chart] = await Promise.all([render(DEPLOY_DIR), renderChart({ includeCrds: true })]);
  });

  it('renders the same kinds and names, apart from the listed differences', () => {
    const fromDeploy = deploy.map(identity).filter((id) => !DEPLOY_ONLY.includes(id));
    const fromChart = chart.filter((m) => !CHART_ONLY.includes(identity(m))).map(deployIdentity);
    expect(fromChart.sort()).toEqual(fromDeploy.sort());
    // The listed differences are real: a stale entry fails too.
    for (const id of DEPLOY_ONLY) expect(deploy.map(identity)).toContain(id);
    for (const id of CHART_ONLY) expect(chart.map(identity)).toContain(id);
    expect(chart.filter(isHook).map(identity)).toEqual(['Job kong-fleet/kong-fleet-test-readyz']);
  });

  it('grants the same RBAC rules to the same subjects', () => {
    for (const kind of ['ClusterRole', 'Role']) {
      for (const role of ofKind(kind)) {
        expect(
          permissions((counterpart(role).rules as V1PolicyRule[]) ?? []),
          `${kind} ${role.metadata?.name}`,
        ).toEqual(permissions((role.rules as V1PolicyRule[]) ?? []));
      }
    }
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      for (const binding of ofKind(kind)) {
        const other = counterpart(binding);
        expect(
          { roleRef: other.roleRef, subjects: other.subjects },
          `${kind} ${binding.metadata?.name}`,
        ).toEqual({
          roleRef: binding.roleRef,
          subjects: binding.subjects,
        });
      }
    }
  });

  it('runs the same containers: settings (names and values), ports, probes, resources and securityContext', () => {
    for (const deployment of ofKind('Deployment')) {
      expect(
        deploymentShape('chart', counterpart(deployment)),
        `Deployment ${deployment.metadata?.name}`,
      ).toEqual(deploymentShape('deploy', deployment));
    }
    for (const account of ofKind('ServiceAccount')) {
      expect(counterpart(account).automountServiceAccountToken).toBe(account.automountServiceAccountToken);
    }
  });

  it('exposes the same Services and NetworkPolicies to the same pods, and the same Redis and volume', () => {
    for (const service of ofKind('Service')) {
      expect(serviceShape('chart', chart, counterpart(service)), `Service ${service.metadata?.name}`).toEqual(
        serviceShape('deploy', deploy, service),
      );
    }
    for (const policy of ofKind('NetworkPolicy')) {
      expect(
        policyShape('chart', chart, counterpart(policy)),
        `NetworkPolicy ${policy.metadata?.name}`,
      ).toEqual(policyShape('deploy', deploy, policy));
    }
    for (const claim of ofKind('PersistentVolumeClaim')) expect(counterpart(claim).spec).toEqual(claim.spec);
    for (const config of ofKind('ConfigMap')) {
      const conf = (m: Manifest) => directives((m.data as Record<string, string>)['redis.conf'] ?? '');
      expect(conf(counterpart(config)), `ConfigMap ${config.metadata?.name}`).toEqual(conf(config));
      expect(conf(config)).toContain('appendonly yes');
    }
  });

  it("ships deploy/crds byte for byte in the chart's crds/", async () => {
    const yamlFiles = async (dir: string) =>
      (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    const deployCrds = await yamlFiles(join(DEPLOY_DIR, 'crds'));
    expect(await yamlFiles(join(CHART_DIR, 'crds'))).toEqual(deployCrds);
    for (const file of deployCrds) {
      expect(await readFile(join(CHART_DIR, 'crds', file), 'utf8'), file).toBe(
        await readFile(join(DEPLOY_DIR, 'crds', file), 'utf8'),
      );
    }
  });
});

describe("the chart's settings", () => {
  it('lists every setting of `kong-fleet run` in values.yaml or its render, and nothing unknown', async () => {
    const rendered = await renderChart();
    const controller = rendered.find((m) => m.kind === 'Deployment' && m.metadata?.name === 'kong-fleet');
    const env = container(podSpec(controller!), 'controller').env ?? [];
    const values = await readFile(join(CHART_DIR, 'values.yaml'), 'utf8');
    expect(
      settingsCoverage(
        env.map((variable) => variable.name),
        values,
      ),
    ).toEqual({ unknown: [], neither: [], both: [] });
  });

  it('knows exactly the settings of workers/settings.ts (the list controller.env keys are checked against)', async () => {
    const helpers = await readFile(join(CHART_DIR, 'templates', '_helpers.tpl'), 'utf8');
    const list = /define "kong-fleet\.settings" -\}\}\n([^{]+)\{\{- end/.exec(helpers)?.[1];
    expect(list, 'the kong-fleet.settings define in _helpers.tpl').toBeDefined();
    const fromSpecs = Object.values(settingSpecs).map((spec) =>
      spec.env.replace(/^KONG_FLEET_/, '').toLowerCase(),
    );
    expect(list!.trim().split(/\s+/).sort()).toEqual(fromSpecs.sort());
  });
});
