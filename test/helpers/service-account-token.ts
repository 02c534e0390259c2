import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { renderKubeconfig } from '../../scripts/control-plane.d/kubeconfig.ts';
import { kubeConfig, kubeconfigPath, type ServiceAccountCredentials } from './kube.ts';

export interface ServiceAccountTokenOptions {
  readonly namespace: string;
  /** An existing ServiceAccount, e.g. one a manifest created. */
  readonly name: string;
  /** @defaultValue 3600 */
  readonly expirationSeconds?: number;
  /**
   * Where the kubeconfig file goes. @defaultValue the run's control-plane folder, deleted with the control
   * plane, so no token outlives the run (as serviceAccountCredentials does)
   */
  readonly dir?: string;
}

/**
 * A kubeconfig that authenticates as an existing ServiceAccount, with a token from the TokenRequest API
 * (what the kubelet mounts into a pod). Unlike serviceAccountCredentials in kube.ts it creates no
 * ServiceAccount, so it works for the accounts installed by k8s/deploy.
 */
export async function serviceAccountToken(
  { namespace, name, expirationSeconds = 3600, dir = dirname(kubeconfigPath()) }: ServiceAccountTokenOptions,
  admin: KubeConfig = kubeConfig(),
): Promise<ServiceAccountCredentials> {
  const request = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ServiceAccount ${namespace}/${name} returned no token`);
  const cluster = admin.getCurrentCluster();
  if (!cluster?.caData)
    throw new Error('the admin kubeconfig has no cluster with certificate-authority-data');
  const file = join(dir, `sa-token-${namespace}-${name}.kubeconfig`);
  const text = renderKubeconfig({
    server: cluster.server,
    caPem: Buffer.from(cluster.caData, 'base64').toString('utf8'),
    user: { token },
    userName: `${namespace}-${name}`,
  });
  await writeFile(file, text, { mode: 0o600 });
  return {
    token,
    kubeconfigPath: file,
    kubeConfig: kubeConfig(file),
    username: `system:serviceaccount:${namespace}:${name}`,
  };
}
