import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { renderKubeconfig } from '../../scripts/control-plane.d/kubeconfig.ts';
import { kubeConfig, type ServiceAccountCredentials } from './kube.ts';

export interface ServiceAccountTokenOptions {
  readonly namespace: string;
  /** An existing ServiceAccount, e.g. one a manifest created. */
  readonly name: string;
  /** @defaultValue 3600 */
  readonly expirationSeconds?: number;
}

/**
 * A kubeconfig that authenticates as an existing ServiceAccount, with a token from the TokenRequest API
 * (what the kubelet mounts into a pod). Unlike serviceAccountCredentials in kube.ts it creates no
 * ServiceAccount, so it works for the accounts installed by k8s/deploy.
 */
export async function serviceAccountToken(
  { namespace, name, expirationSeconds = 3600 }: ServiceAccountTokenOptions,
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
  const dir = await mkdtemp(join(tmpdir(), 'kf-sa-'));
  const kubeconfigPath = join(dir, `${name}.kubeconfig`);
  const text = renderKubeconfig({
    server: cluster.server,
    caPem: Buffer.from(cluster.caData, 'base64').toString('utf8'),
    user: { token },
    userName: `${namespace}-${name}`,
  });
  await writeFile(kubeconfigPath, text, { mode: 0o600 });
  return {
    token,
    kubeconfigPath,
    kubeConfig: kubeConfig(kubeconfigPath),
    username: `system:serviceaccount:${namespace}:${name}`,
  };
}
