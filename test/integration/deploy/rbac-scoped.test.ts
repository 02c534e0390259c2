import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { watchedKinds } from '../../../k8s/watched-kinds.ts';
import type { KubectlError } from '../../../scripts/control-plane.d/kubectl.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubectl, kubectlApply, serviceAccountToken } from '../../helpers/kube.ts';
import { expand, grantedIn, permission } from './granted-rules.ts';
import { applyKustomization, type DeployOverlay, deployOverlay, find } from './overlay.ts';
import { container, containerEnv, podSpec } from './pod-template.ts';

/** A ClusterRole's rules of the rendered overlay as permission lines (rbac.test.ts checks them against the code). */
function roleRules(overlay: DeployOverlay, name: string): string[] {
  const role = find(overlay.manifests, 'ClusterRole', `${name}${overlay.suffix}`) as unknown as {
    rules: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }[];
  };
  return role.rules.flatMap((rule) =>
    (rule.apiGroups ?? ['']).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) =>
        (rule.resourceNames?.length ? rule.resourceNames : [undefined]).flatMap((name) =>
          expand(rule.verbs, group, resource, name),
        ),
      ),
    ),
  );
}

/** Where `kubectl auth can-i --list` output of the ServiceAccount is kept for the record. */
const RECORD_DIR = join(process.cwd(), '.test-results');

describe('RBAC of deploy/scoped: Secrets and Events only in the namespaces served', () => {
  let overlay: DeployOverlay;
  let sa: KubeConfig;
  let served: string;
  let unserved: string;

  beforeAll(async () => {
    served = await freshNamespace('scoped-app');
    unserved = await freshNamespace('scoped-other');
    overlay = await deployOverlay('scoped', {
      components: ['scoped'],
      // The test's served namespace replaces the component's example `apps` (the overlay moves every
      // namespaced object into its own namespace, so the example binding is dropped here).
      extra: [
        'patches:',
        '  - target: { kind: RoleBinding, name: kong-fleet-namespaced }',
        '    patch: |-',
        '      $patch: delete',
        '      apiVersion: rbac.authorization.k8s.io/v1',
        '      kind: RoleBinding',
        '      metadata: { name: kong-fleet-namespaced }',
      ],
    });
    await applyKustomization(overlay.dir);
    // The operator's step for each served namespace, as deploy/scoped/rolebindings.yaml shows it.
    await kubectlApply(`
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: kong-fleet-namespaced, namespace: ${served} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kong-fleet-namespaced${overlay.suffix} }
subjects: [{ kind: ServiceAccount, name: kong-fleet, namespace: ${overlay.namespace} }]
`);
    sa = (await serviceAccountToken({ namespace: overlay.namespace, name: 'kong-fleet' })).kubeConfig;
    await eventually(async () => (await grantedIn(sa, served)).includes(permission('list', '', 'secrets')), {
      description: 'the RoleBinding of the served namespace to take effect',
    });
  });

  it('has no cluster-wide binding of the namespaced kinds, and the controller serves the listed namespaces', () => {
    const bindings = overlay.manifests.filter((m) => m.kind === 'ClusterRoleBinding');
    expect(bindings.map((b) => b.metadata?.name)).toEqual([`kong-fleet-cluster-scoped${overlay.suffix}`]);
    const env = containerEnv(
      container(podSpec(find(overlay.manifests, 'Deployment', 'kong-fleet')), 'controller'),
      {
        'metadata.name': 'kong-fleet-0',
        'metadata.namespace': overlay.namespace,
      },
    );
    expect(env.KONG_FLEET_WATCH_NAMESPACES).toBe('apps');
  });

  it('grants the namespaced kinds in a served namespace, nothing of them elsewhere or at home', async () => {
    const clusterScoped = roleRules(overlay, 'kong-fleet-cluster-scoped');
    const namespaced = roleRules(overlay, 'kong-fleet-namespaced');
    // The namespaced role holds every namespaced kind the translator reads, Secrets among them.
    expect(namespaced).toEqual(
      expect.arrayContaining(
        watchedKinds
          .filter((kind) => kind.namespaced)
          .flatMap((kind) => expand(['list', 'watch'], kind.group, kind.plural)),
      ),
    );
    expect(await grantedIn(sa, served)).toEqual([...new Set([...clusterScoped, ...namespaced])].sort());
    expect(await grantedIn(sa, unserved)).toEqual([...new Set(clusterScoped)].sort());
    const home = await grantedIn(sa, overlay.namespace);
    expect(home).not.toContain(permission('list', '', 'secrets'));
    expect(home).toEqual(
      expect.arrayContaining([
        ...expand(['list', 'watch'], 'discovery.k8s.io', 'endpointslices'),
        permission('create', '', 'events'),
      ]),
    );
  });

  it('refuses Secrets and Events outside the served namespaces, through the apiserver and kubectl', async () => {
    const may = async (attributes: Record<string, string>) =>
      (
        await sa
          .makeApiClient(AuthorizationV1Api)
          .createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attributes } } })
      ).status?.allowed === true;
    expect(await may({ verb: 'list', resource: 'secrets', namespace: served })).toBe(true);
    expect(await may({ verb: 'list', resource: 'secrets' })).toBe(false);
    expect(await may({ verb: 'list', resource: 'secrets', namespace: unserved })).toBe(false);
    expect(await may({ verb: 'watch', resource: 'secrets', namespace: overlay.namespace })).toBe(false);
    expect(await may({ verb: 'create', resource: 'events', namespace: unserved })).toBe(false);
    expect(await may({ verb: 'create', resource: 'events', namespace: served })).toBe(true);

    const canIList = (namespace: string) =>
      kubectl(['auth', 'can-i', '--list', `--as=${overlay.username}`, `--namespace=${namespace}`]).catch(
        (err: KubectlError) => err.stdout,
      );
    const record: string[] = [];
    for (const namespace of [served, unserved, overlay.namespace]) {
      const listed = await canIList(namespace);
      record.push(`$ kubectl auth can-i --list --as=${overlay.username} --namespace=${namespace}`, listed);
      const secretsLine = listed.split('\n').find((line) => /^secrets\s/.test(line));
      if (namespace === served) expect(secretsLine).toMatch(/\[list watch\]/);
      else expect(secretsLine).toBeUndefined();
    }
    await mkdir(RECORD_DIR, { recursive: true });
    await writeFile(join(RECORD_DIR, 'can-i-scoped.txt'), `${record.join('\n')}\n`);
  });
});
