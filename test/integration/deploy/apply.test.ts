import type { V1Container, V1Deployment, V1PodSpec, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  ADMIN_SERVER_SECRET,
  CONTROLLER_CLIENT_SECRET,
  STORAGE_KEY_SECRET,
} from '../../../scripts/deploy/admin-certs.ts';
import { kubectl } from '../../helpers/kube.ts';
import { applyKustomization, DEPLOY_DIR, DEPLOY_NAMESPACE, find, type Manifest, render } from './overlay.ts';
import { container, containerEnv, podSpec } from './pod-template.ts';

// The only test file that installs deploy exactly as an operator would, into `kong-fleet` itself;
// the others use overlays with their own namespaces (overlay.ts).

/** A NetworkPolicy as written in YAML (the client's V1NetworkPolicy calls `from` `_from`). */
interface NetworkPolicyManifest {
  metadata: { name: string };
  spec: {
    podSelector: { matchLabels?: Record<string, string> };
    ingress?: {
      from?: { podSelector?: { matchLabels?: Record<string, string> } }[];
      ports?: { port?: string | number }[];
    }[];
  };
}

const identity = (m: Manifest) => `${m.kind} ${m.metadata?.namespace ?? '-'}/${m.metadata?.name}`;

const subsetOf = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

/** The Deployments whose pods a label selector picks. */
function podsSelectedBy(deployments: readonly V1Deployment[], selector: Record<string, string> | undefined) {
  return deployments.filter((d) => subsetOf(selector, d.spec?.template.metadata?.labels));
}

const portNames = (spec: V1PodSpec) =>
  spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name).filter(Boolean));

describe('kubectl apply -k deploy', () => {
  it('creates every object without a warning, and a second apply changes nothing', async () => {
    const rendered = await render(DEPLOY_DIR);
    const first = await applyKustomization(DEPLOY_DIR);
    expect(first.trim().split('\n')).toHaveLength(rendered.length);

    // Read back from the API server: every rendered object exists, nothing else was made.
    const live = JSON.parse(await kubectl(['get', '-k', DEPLOY_DIR, '-o', 'json'])) as { items: Manifest[] };
    expect(live.items.map(identity).sort()).toEqual(rendered.map(identity).sort());
    const kinds = rendered.map((m) => m.kind).sort();
    expect(kinds).toEqual(
      [
        'ClusterRole',
        'ClusterRole',
        'ClusterRoleBinding',
        'ClusterRoleBinding',
        'ConfigMap',
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'Deployment',
        'Deployment',
        'Deployment',
        'Namespace',
        'NetworkPolicy',
        'NetworkPolicy',
        'NetworkPolicy',
        'PersistentVolumeClaim',
        'Role',
        'RoleBinding',
        'Service',
        'Service',
        'Service',
        'Service',
        'ServiceAccount',
        'ServiceAccount',
      ].sort(),
    );
    // Every namespaced object is in the install's namespace.
    for (const m of live.items) {
      if (m.metadata?.namespace !== undefined)
        expect(m.metadata.namespace, identity(m)).toBe(DEPLOY_NAMESPACE);
    }

    // Idempotent: defaults the API server fills in must not read as changes.
    const second = await applyKustomization(DEPLOY_DIR);
    const changed = second
      .trim()
      .split('\n')
      .filter((line) => !line.endsWith(' unchanged'));
    expect(changed).toEqual([]);

    // A bare API server runs no controllers: the workloads exist, no pod ever runs.
    const deployments = JSON.parse(
      await kubectl(['get', 'deployments', '--namespace', DEPLOY_NAMESPACE, '-o', 'json']),
    ) as { items: V1Deployment[] };
    expect(deployments.items.map((d) => d.metadata?.name).sort()).toEqual(['kong', 'kong-fleet', 'redis']);
  });

  it('wires Services, NetworkPolicies, probes, Secrets and the ServiceAccount to the right pods', async () => {
    const rendered = await render(DEPLOY_DIR);
    const deployments = rendered.filter((m) => m.kind === 'Deployment') as unknown as V1Deployment[];
    const byName = (name: string) => deployments.find((d) => d.metadata?.name === name)!;

    for (const service of rendered.filter((m) => m.kind === 'Service') as unknown as V1Service[]) {
      const pods = podsSelectedBy(deployments, service.spec?.selector);
      expect(pods, `Service ${service.metadata?.name} selects one workload`).toHaveLength(1);
      for (const port of service.spec?.ports ?? []) {
        if (typeof port.targetPort === 'string')
          expect(portNames(pods[0]!.spec!.template.spec!)).toContain(port.targetPort);
      }
    }
    for (const policy of rendered.filter(
      (m) => m.kind === 'NetworkPolicy',
    ) as unknown as NetworkPolicyManifest[]) {
      const pods = podsSelectedBy(deployments, policy.spec.podSelector.matchLabels);
      expect(pods, `NetworkPolicy ${policy.metadata?.name} protects one workload`).toHaveLength(1);
      for (const rule of policy.spec.ingress ?? []) {
        // Peers named by namespace or address (Prometheus, the apiserver) are outside the install.
        for (const peer of rule.from ?? [])
          if (peer.podSelector)
            expect(podsSelectedBy(deployments, peer.podSelector.matchLabels)).toHaveLength(1);
        for (const port of rule.ports ?? [])
          if (typeof port.port === 'string')
            expect(portNames(pods[0]!.spec!.template.spec!)).toContain(port.port);
      }
    }
    // Only the controller can reach Redis and the Admin API.
    const controllerLabels = byName('kong-fleet').spec!.template.metadata!.labels;
    const admitted = (policyName: string, port: string) =>
      (find(rendered, 'NetworkPolicy', policyName) as unknown as NetworkPolicyManifest).spec!.ingress!.filter(
        (rule) => rule.ports?.some((p) => p.port === port),
      );
    for (const [policy, port] of [
      ['redis', 'redis'],
      ['kong', 'admin-tls'],
    ] as const) {
      const rules = admitted(policy, port);
      expect(rules).toHaveLength(1);
      expect(rules[0]!.from).toHaveLength(1);
      expect(subsetOf(rules[0]!.from![0]!.podSelector?.matchLabels, controllerLabels)).toBe(true);
    }

    // Every container: probes on ports it has, requests and a memory limit, the restricted securityContext
    // plus a read-only root filesystem (which Pod Security does not demand).
    for (const deployment of deployments) {
      const spec = deployment.spec!.template.spec!;
      expect(spec.securityContext, deployment.metadata?.name).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(spec.enableServiceLinks).toBe(false);
      for (const c of spec.containers as V1Container[]) {
        const where = `${deployment.metadata?.name}/${c.name}`;
        expect(c.securityContext, where).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources?.requests?.cpu, where).toBeDefined();
        expect(c.resources?.requests?.memory, where).toBeDefined();
        expect(c.resources?.limits?.memory, where).toBeDefined();
        expect(c.livenessProbe, where).toBeDefined();
        expect(c.readinessProbe, where).toBeDefined();
        for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
          const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
          if (typeof port === 'string') expect(portNames(spec), where).toContain(port);
        }
      }
    }

    // The token goes to the controller only, and its account is the one rbac.yaml binds.
    const controller = podSpec(find(rendered, 'Deployment', 'kong-fleet'));
    expect(controller.serviceAccountName).toBe('kong-fleet');
    expect(controller.automountServiceAccountToken).toBe(true);
    find(rendered, 'ServiceAccount', 'kong-fleet');
    for (const name of ['kong', 'redis'])
      expect(podSpec(find(rendered, 'Deployment', name)).automountServiceAccountToken).toBe(false);
    const controllerContainer = container(controller, 'controller');
    expect(controllerContainer.image).toBe('ghcr.io/kong-fleet/kong-fleet:0.1.0');
    expect([
      controllerContainer.livenessProbe?.httpGet?.path,
      controllerContainer.readinessProbe?.httpGet?.path,
    ]).toEqual(['/healthz', '/readyz']);
    expect(controllerContainer.ports?.find((p) => p.name === 'http')?.containerPort).toBe(8080);

    // The mTLS Secrets are the ones scripts/deploy/make-certs.ts writes.
    const secretVolumes = (spec: V1PodSpec) =>
      (spec.volumes ?? []).flatMap((v) => v.secret?.secretName ?? []);
    expect(secretVolumes(controller)).toEqual([CONTROLLER_CLIENT_SECRET, STORAGE_KEY_SECRET]);
    expect(secretVolumes(podSpec(find(rendered, 'Deployment', 'kong')))).toEqual([ADMIN_SERVER_SECRET]);

    // Discovery: the controller's admin Service setting names the headless Service and its port name.
    const env = containerEnv(controllerContainer, {
      'metadata.name': 'kong-fleet-0',
      'metadata.namespace': DEPLOY_NAMESPACE,
    });
    const admin = find(rendered, 'Service', 'kong-admin') as unknown as V1Service;
    expect(env.KONG_FLEET_ADMIN_SERVICE).toBe(`${DEPLOY_NAMESPACE}/kong-admin`);
    expect(admin.spec?.clusterIP).toBe('None');
    expect(admin.spec?.publishNotReadyAddresses).toBe(true);
    expect(env.KONG_FLEET_ADMIN_PORT_NAMES?.split(',')).toContain(admin.spec?.ports?.[0]?.name);
    expect(admin.spec?.ports?.[0]?.name).toBe('admin-tls');
  });

  it('runs the Kong proxies DB-less with a TLS-only Admin API that requires a client certificate', async () => {
    const rendered = await render(DEPLOY_DIR);
    const kong = container(podSpec(find(rendered, 'Deployment', 'kong')), 'proxy');
    expect(kong.image).toMatch(/^kong:3\.9(\.|$)/);
    const env = containerEnv(kong, {});
    expect(env).toMatchObject({
      KONG_DATABASE: 'off',
      KONG_ADMIN_LISTEN: '0.0.0.0:8444 ssl',
      KONG_NGINX_ADMIN_SSL_VERIFY_CLIENT: 'on',
    });
    // No other admin-like listener is left at Kong's default.
    expect(env.KONG_ADMIN_GUI_LISTEN).toBe('off');
    expect(env.KONG_ADMIN_SSL_CERT).toMatch(/\/tls\.crt$/);
    expect(env.KONG_ADMIN_SSL_CERT_KEY).toMatch(/\/tls\.key$/);
    expect(env.KONG_NGINX_ADMIN_SSL_CLIENT_CERTIFICATE).toMatch(/\/ca\.crt$/);
  });
});
