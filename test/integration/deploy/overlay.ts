import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { kubeconfigPath, kubectl } from '../../helpers/kube.ts';

/** The install the tests apply: the repository's deploy, unchanged. */
export const DEPLOY_DIR = fileURLToPath(new URL('../../../deploy', import.meta.url));

/** The namespace deploy installs into. */
export const DEPLOY_NAMESPACE = 'kong-fleet';

/** A rendered manifest (kustomize output), typed loosely: the tests read nested fields by path. */
export type Manifest = KubernetesObject & Record<string, unknown>;

/** `kubectl kustomize <dir>`: the objects `kubectl apply -k <dir>` would send. */
export async function render(dir: string): Promise<Manifest[]> {
  const text = await kubectl(['kustomize', dir]);
  return parseAllDocuments(text).map((doc) => doc.toJS() as Manifest);
}

/** The one object of `kind` named `name` in the rendered install; throws naming it when missing. */
export function find(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata?.name === name);
  if (!found) throw new Error(`the rendered install has no ${kind} ${name}`);
  return found;
}

/** `kubectl apply -k`, failing on any warning the API server sends (PodSecurity, deprecations). */
export function applyKustomization(dir: string): Promise<string> {
  return kubectl(['apply', '--warnings-as-errors', '-k', dir]);
}

export interface DeployOverlay {
  /** Where every namespaced object of the install lands (the `kong-fleet` Namespace is renamed to it). */
  readonly namespace: string;
  /** Appended to the cluster-scoped names (ClusterRoles and their bindings), so overlays do not collide. */
  readonly suffix: string;
  readonly dir: string;
  readonly manifests: readonly Manifest[];
  /** The ServiceAccount subject name, `system:serviceaccount:<namespace>:kong-fleet`. */
  readonly username: string;
}

/**
 * deploy moved to a namespace no other test uses, the way an operator would install it twice:
 * a kustomize overlay with `namespace:` plus a suffix on the cluster-scoped RBAC names. Integration test
 * files share one API server, and the install's own `kong-fleet` namespace and ClusterRoleBindings are
 * cluster-global. The CRDs keep their names (they are the same everywhere).
 */
export async function deployOverlay(
  label: string,
  options: {
    /** Components of deploy to include, relative to it (e.g. `scoped`). */
    readonly components?: readonly string[];
    /** Extra kustomization lines (patches), appended as they are. */
    readonly extra?: readonly string[];
  } = {},
): Promise<DeployOverlay> {
  const namespace = `kf-${label}-${randomUUID().slice(0, 8)}`;
  const suffix = `-${namespace}`;
  // In the run's control-plane folder: deleted with the control plane.
  const dir = await mkdtemp(join(dirname(kubeconfigPath()), 'deploy-overlay-'));
  await writeFile(
    join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `namespace: ${namespace}`,
      'resources:',
      // kustomize accepts only relative paths to other kustomizations.
      `  - ${relative(dir, DEPLOY_DIR)}`,
      ...(options.components?.length
        ? ['components:', ...options.components.map((c) => `  - ${relative(dir, join(DEPLOY_DIR, c))}`)]
        : []),
      'transformers:',
      '  - cluster-names.yaml',
      ...(options.extra ?? []),
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'cluster-names.yaml'),
    [
      'apiVersion: builtin',
      'kind: PrefixSuffixTransformer',
      'metadata: { name: cluster-names }',
      `suffix: ${suffix}`,
      'fieldSpecs:',
      '  - { kind: ClusterRole, path: metadata/name }',
      '  - { kind: ClusterRoleBinding, path: metadata/name }',
      '',
    ].join('\n'),
  );
  return {
    namespace,
    suffix,
    dir,
    manifests: await render(dir),
    username: `system:serviceaccount:${namespace}:kong-fleet`,
  };
}
