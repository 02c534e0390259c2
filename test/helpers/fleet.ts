import type { KubeConfig } from '@kubernetes/client-node';
import {
  registerProxy as registerProxyIn,
  startTlsFleet as startTlsFleetIn,
  type TlsFleet,
} from '../../testing/tls-fleet.ts';
import { kubeConfig } from './kube.ts';

export { hostAddress, type TlsFleet } from '../../testing/tls-fleet.ts';

/**
 * `count` simulated Kong proxies with admin mTLS behind an admin Service in `namespace` of the run's
 * control plane (see testing/tls-fleet.ts). The PKI lives in a temp folder removed by stop().
 */
export function startTlsFleet(
  namespace: string,
  count: number,
  kc: KubeConfig = kubeConfig(),
  serviceName = 'kong-admin',
): Promise<TlsFleet> {
  return startTlsFleetIn({ kubeConfig: kc, namespace, count, serviceName });
}

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
