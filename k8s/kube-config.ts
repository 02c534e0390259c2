import { KubeConfig } from '@kubernetes/client-node';

/**
 * The cluster credentials: an explicit kubeconfig file when given, else the usual order
 * ($KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount).
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path) kubeConfig.loadFromFile(path);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}
