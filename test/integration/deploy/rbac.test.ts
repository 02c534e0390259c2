import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1ResourceAttributes,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { watchedKinds } from '../../../k8s/watched-kinds.ts';
import type { KubectlError } from '../../../scripts/control-plane.d/kubectl.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubectl, serviceAccountToken } from '../../helpers/kube.ts';
import { expand, grantedIn, permission } from './granted-rules.ts';
import { applyKustomization, type DeployOverlay, deployOverlay } from './overlay.ts';

/**
 * What the controller needs everywhere: list + watch of every kind the translator reads (derived from
 * k8s/watched-kinds.ts, so a new kind fails here until rbac.yaml grants it), Events, Ingress status and
 * Gateway API status.
 */
const CLUSTER_WIDE = [
  ...watchedKinds.flatMap((kind) => expand(['list', 'watch'], kind.group, kind.plural)),
  permission('create', '', 'events'),
  permission('patch', 'networking.k8s.io', 'ingresses/status'),
  permission('patch', 'configuration.konghq.com', 'tcpingresses/status'),
  permission('patch', 'configuration.konghq.com', 'udpingresses/status'),
  // Propagation status and the proxy Pods' readiness gate (k8s/propagation-status.ts).
  ...['kongplugins', 'kongclusterplugins', 'kongconsumers'].map((plural) =>
    permission('patch', 'configuration.konghq.com', `${plural}/status`),
  ),
  permission('patch', '', 'pods/status'),
  ...[
    'gatewayclasses',
    'gateways',
    'httproutes',
    'grpcroutes',
    'tcproutes',
    'udproutes',
    'tlsroutes',
    'backendtlspolicies',
  ].map((plural) => permission('patch', 'gateway.networking.k8s.io', `${plural}/status`)),
].sort();

/**
 * What it needs in its own namespace only: the Lease, its ProxyInstances and ProxyFleet
 * (k8s/proxy-instances.ts), the publish Service (k8s/ingress-status.ts).
 */
const OWN_NAMESPACE = [
  permission('create', 'coordination.k8s.io', 'leases'),
  ...expand(['get', 'update'], 'coordination.k8s.io', 'leases', 'kong-fleet-leader'),
  ...expand(['get', 'list', 'create', 'patch', 'delete'], 'kongfleet.io', 'proxyinstances'),
  permission('patch', 'kongfleet.io', 'proxyinstances/status'),
  ...expand(['get', 'create'], 'kongfleet.io', 'proxyfleets'),
  permission('patch', 'kongfleet.io', 'proxyfleets/status'),
  permission('get', '', 'services'),
];

describe('RBAC of deploy: what the kong-fleet ServiceAccount may do', () => {
  let overlay: DeployOverlay;
  let sa: KubeConfig;
  let appNamespace: string;

  /** Asks the API server, as the ServiceAccount's own token, whether it may do this. */
  const may = async (attributes: V1ResourceAttributes) => {
    const review = await sa
      .makeApiClient(AuthorizationV1Api)
      .createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attributes } } });
    return review.status?.allowed === true;
  };

  beforeAll(async () => {
    overlay = await deployOverlay('rbac');
    await applyKustomization(overlay.dir);
    sa = (await serviceAccountToken({ namespace: overlay.namespace, name: 'kong-fleet' })).kubeConfig;
    appNamespace = await freshNamespace('rbac-app');
    // The RBAC authorizer reads bindings from its informer: wait until the last ones are seen.
    await eventually(
      async () =>
        (await may({
          namespace: overlay.namespace,
          verb: 'create',
          group: 'coordination.k8s.io',
          resource: 'leases',
        })) &&
        (await may({ verb: 'list', group: 'gateway.networking.k8s.io', resource: 'gatewayclasses' })) &&
        (await may({ verb: 'list', resource: 'secrets' })),
      { description: 'the install’s RoleBinding and ClusterRoleBindings to take effect' },
    );
  });

  it('authenticates as the ServiceAccount, not as an admin', async () => {
    const review = await sa.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe(overlay.username);
    const core = sa.makeApiClient(CoreV1Api);
    await expect(core.listNamespacedPod({ namespace: appNamespace })).rejects.toMatchObject({ code: 403 });
    expect((await core.listSecretForAllNamespaces({ limit: 1 })).items).toBeDefined();
  });

  it('holds exactly the intended rules: the cluster-wide ones everywhere, the Role only at home', async () => {
    expect(await grantedIn(sa, appNamespace)).toEqual(CLUSTER_WIDE);
    expect(await grantedIn(sa, overlay.namespace)).toEqual([...CLUSTER_WIDE, ...OWN_NAMESPACE].sort());
  });

  it('may do everything the controller does, in any namespace and cluster-wide', async () => {
    const needed: V1ResourceAttributes[] = [
      ...watchedKinds.flatMap((kind) =>
        ['list', 'watch'].flatMap((verb) => [
          { verb, group: kind.group, resource: kind.plural },
          ...(kind.namespaced
            ? [{ verb, group: kind.group, resource: kind.plural, namespace: appNamespace }]
            : []),
        ]),
      ),
      // Discovery: the admin Service's EndpointSlices, next to the controller.
      { verb: 'list', group: 'discovery.k8s.io', resource: 'endpointslices', namespace: overlay.namespace },
      { verb: 'watch', group: 'discovery.k8s.io', resource: 'endpointslices', namespace: overlay.namespace },
      // Events about namespaced objects, and about cluster-scoped ones (kept in `default`).
      { verb: 'create', resource: 'events', namespace: appNamespace },
      { verb: 'create', resource: 'events', namespace: 'default' },
      // Leader election.
      { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: overlay.namespace },
      ...['get', 'update'].map((verb) => ({
        verb,
        group: 'coordination.k8s.io',
        resource: 'leases',
        name: 'kong-fleet-leader',
        namespace: overlay.namespace,
      })),
      // Ingress status, ProxyInstance/ProxyFleet and their status, the publish Service.
      {
        verb: 'patch',
        group: 'networking.k8s.io',
        resource: 'ingresses',
        subresource: 'status',
        namespace: appNamespace,
      },
      { verb: 'delete', group: 'kongfleet.io', resource: 'proxyinstances', namespace: overlay.namespace },
      {
        verb: 'patch',
        group: 'kongfleet.io',
        resource: 'proxyfleets',
        subresource: 'status',
        namespace: overlay.namespace,
      },
      { verb: 'create', group: 'kongfleet.io', resource: 'proxyfleets', namespace: overlay.namespace },
      { verb: 'get', resource: 'services', name: 'kong-proxy', namespace: overlay.namespace },
    ];
    const refused = [];
    for (const attributes of needed) if (!(await may(attributes))) refused.push(attributes);
    expect(refused).toEqual([]);
  });

  it('may do nothing broader: no reads beyond list/watch, no writes outside Events, status and its own namespace', async () => {
    const own = overlay.namespace;
    const app = appNamespace;
    const broader: V1ResourceAttributes[] = [
      // Secrets: informers only, never a single get, never a write.
      { verb: 'get', resource: 'secrets', namespace: app },
      { verb: 'create', resource: 'secrets', namespace: app },
      { verb: 'update', resource: 'secrets', namespace: own },
      { verb: 'delete', resource: 'secrets', namespace: app },
      // The objects it translates are read-only.
      { verb: 'delete', group: 'networking.k8s.io', resource: 'ingresses', namespace: app },
      { verb: 'update', group: 'networking.k8s.io', resource: 'ingresses', namespace: app },
      { verb: 'create', group: 'networking.k8s.io', resource: 'ingresses', namespace: app },
      { verb: 'patch', resource: 'services', namespace: app },
      { verb: 'get', resource: 'services', namespace: app },
      { verb: 'delete', group: 'configuration.konghq.com', resource: 'kongplugins', namespace: app },
      { verb: 'update', group: 'gateway.networking.k8s.io', resource: 'httproutes', namespace: app },
      {
        verb: 'update',
        group: 'gateway.networking.k8s.io',
        resource: 'gateways',
        subresource: 'status',
        namespace: app,
      },
      { verb: 'create', group: 'discovery.k8s.io', resource: 'endpointslices', namespace: own },
      // Kinds it never touches.
      { verb: 'list', resource: 'pods', namespace: app },
      { verb: 'get', resource: 'pods', namespace: own },
      { verb: 'create', resource: 'pods', subresource: 'exec', namespace: own },
      { verb: 'get', resource: 'nodes' },
      // ConfigMaps are listed and watched (CA certificates), never read one by one or changed.
      { verb: 'get', resource: 'configmaps', namespace: app },
      { verb: 'patch', resource: 'configmaps', namespace: app },
      // Namespaces are listed and watched (their labels select Gateway routes), never read one by one or changed.
      { verb: 'get', resource: 'namespaces' },
      { verb: 'patch', resource: 'namespaces' },
      { verb: 'list', resource: 'events', namespace: app },
      { verb: 'delete', resource: 'events', namespace: app },
      { verb: 'patch', resource: 'events', namespace: app },
      {
        verb: 'create',
        resource: 'serviceaccounts',
        subresource: 'token',
        name: 'kong-fleet',
        namespace: own,
      },
      { verb: 'patch', group: 'apps', resource: 'deployments', name: 'kong-fleet', namespace: own },
      { verb: 'list', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
      // Leases: one name, its own namespace, no deletion.
      { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: app },
      {
        verb: 'update',
        group: 'coordination.k8s.io',
        resource: 'leases',
        name: 'someone-else',
        namespace: own,
      },
      {
        verb: 'get',
        group: 'coordination.k8s.io',
        resource: 'leases',
        name: 'kong-fleet-leader',
        namespace: app,
      },
      {
        verb: 'delete',
        group: 'coordination.k8s.io',
        resource: 'leases',
        name: 'kong-fleet-leader',
        namespace: own,
      },
      { verb: 'list', group: 'coordination.k8s.io', resource: 'leases', namespace: own },
      // kong-fleet's CRDs: its own namespace only; a ProxyFleet is never deleted.
      { verb: 'create', group: 'kongfleet.io', resource: 'proxyinstances', namespace: app },
      { verb: 'list', group: 'kongfleet.io', resource: 'proxyinstances' },
      { verb: 'delete', group: 'kongfleet.io', resource: 'proxyfleets', namespace: own },
      { verb: 'patch', group: 'kongfleet.io', resource: 'proxyfleets', namespace: own },
      { verb: 'watch', group: 'kongfleet.io', resource: 'proxyinstances', namespace: own },
      { verb: 'update', group: 'kongfleet.io', resource: 'proxyinstances', namespace: own },
      {
        verb: 'update',
        group: 'networking.k8s.io',
        resource: 'ingresses',
        subresource: 'status',
        namespace: app,
      },
      // No way to widen its own rights.
      { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
      { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
      { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: own },
      { verb: 'impersonate', resource: 'users' },
      { verb: 'impersonate', resource: 'serviceaccounts', namespace: own },
    ];
    const allowed = [];
    for (const attributes of broader) if (await may(attributes)) allowed.push(attributes);
    expect(allowed).toEqual([]);
  });

  it('shows the same through `kubectl auth can-i` with impersonation', async () => {
    const canI = (args: string[]) =>
      kubectl(['auth', 'can-i', ...args, `--as=${overlay.username}`]).catch(
        (err: KubectlError) => err.stdout,
      );
    expect((await canI(['list', 'ingresses.networking.k8s.io', '--all-namespaces'])).trim()).toBe('yes');
    expect((await canI(['create', 'secrets', `--namespace=${appNamespace}`])).trim()).toBe('no');
    expect(
      (await canI(['delete', 'ingresses.networking.k8s.io', `--namespace=${appNamespace}`])).trim(),
    ).toBe('no');
    expect((await canI(['list', 'pods', `--namespace=${appNamespace}`])).trim()).toBe('no');
    expect((await canI(['get', 'nodes'])).trim()).toBe('no');

    const table = await kubectl([
      'auth',
      'can-i',
      '--list',
      `--namespace=${overlay.namespace}`,
      `--as=${overlay.username}`,
    ]);
    const row = (resource: string) =>
      table
        .split('\n')
        .find((line) => line.startsWith(`${resource} `))
        ?.replace(/\s+/g, ' ')
        .trim();
    expect(row('leases.coordination.k8s.io')).toBeDefined();
    expect(table).toMatch(/leases\.coordination\.k8s\.io\s+\[\]\s+\[kong-fleet-leader\]\s+\[get update\]/);
    expect(row('secrets')).toBe('secrets [] [] [list watch]');
    expect(row('pods')).toBeUndefined();
    expect(row('configmaps')).toBe('configmaps [] [] [list watch]');
    // Kept with the run's results for the record (the install's grants as kubectl shows them).
    await mkdir('.test-results', { recursive: true });
    await writeFile(
      join('.test-results', 'can-i-deploy.txt'),
      `$ kubectl auth can-i --list --namespace=${overlay.namespace} --as=${overlay.username}\n${table}`,
    );
  });
});
