import type { KubeConfig } from '@kubernetes/client-node';
import { registerProxy as registerProxyIn } from '../../testing/tls-fleet.ts';
import { kubeConfig } from './kube.ts';

export { hostAddress } from '../../testing/tls-fleet.ts';

/** One EndpointSlice for one proxy pod (address = this host, port = the proxy's admin port). */
export function registerProxy(
  namespace: string,
  serviceName: string,
  podName: string,
  port: number,
  kc: KubeConfig = kubeConfig(),
) {
  return registerProxyIn(kc, { namespace, serviceName, podName, port });
}
