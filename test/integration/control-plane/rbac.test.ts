import { AuthenticationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubectlError } from '../../../scripts/control-plane.d/kubectl.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubeConfig, kubectl, serviceAccountCredentials } from '../../helpers/kube.ts';

describe('RBAC on the local kube-apiserver', () => {
  it('answers 403 to a ServiceAccount without rights and 200 once a Role grants them', async () => {
    const namespace = await freshNamespace('rbac');
    const sa = await serviceAccountCredentials({ namespace, name: 'no-rights' });
    const core = sa.kubeConfig.makeApiClient(CoreV1Api);

    // The token authenticates (so a 403 below is authorization, not a broken token).
    const review = await sa.kubeConfig
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe(sa.username);

    await expect(core.listNamespacedConfigMap({ namespace })).rejects.toMatchObject({ code: 403 });
    await expect(core.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });
    await expect(
      kubectl(['get', 'configmaps', `--namespace=${namespace}`], { kubeconfig: sa.kubeconfigPath }),
    ).rejects.toThrow(/forbidden/i);

    const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'read-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'no-rights-reads-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'no-rights', namespace }],
      },
    });
    // The RBAC authorizer reads bindings from its informer, so the grant takes effect a moment later.
    const granted = await eventually(() => core.listNamespacedConfigMap({ namespace }), {
      description: 'the RoleBinding to take effect',
    });
    // The only ConfigMap of a fresh namespace is the one kube-controller-manager publishes everywhere.
    expect(granted.items.map((item) => item.metadata?.name)).toEqual(
      granted.items.length ? ['kube-root-ca.crt'] : [],
    );
    await expect(core.listNamespacedSecret({ namespace })).rejects.toMatchObject({ code: 403 });
    // `kubectl auth can-i` prints its answer and exits 1 for "no".
    const canI = await kubectl(['auth', 'can-i', 'delete', 'configmaps', `--namespace=${namespace}`], {
      kubeconfig: sa.kubeconfigPath,
    }).catch((err: KubectlError) => err.stdout);
    expect(canI).toMatch(/\bno\b/);
  });

  it('answers 401 to a forged token', async () => {
    const admin = kubeConfig();
    const forged = new KubeConfig();
    forged.loadFromOptions({
      clusters: [admin.getCurrentCluster()!],
      users: [{ name: 'forger', token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl' }],
      contexts: [{ name: 'forged', cluster: admin.getCurrentCluster()!.name, user: 'forger' }],
      currentContext: 'forged',
    });
    await expect(forged.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 401 });
  });
});
