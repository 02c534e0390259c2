/**
 * Echo backends as pods for tests that send traffic through the proxies' data plane: the manifests, the
 * backend pods served by the harness, and one GET through a proxy.
 */
import { request as httpRequest } from 'node:http';
import { type BackendPods, startBackendPods } from '../../testing/pods/backend-pods.ts';
import { podNetwork } from './cluster.ts';
import { eventually } from './eventually.ts';
import { kubeConfig, kubectlApply } from './kube.ts';

/** A Deployment of echo pods and its Service `name` (port 80 → the pods' 8080). */
export const echoBackend = (namespace: string, name: string, replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${namespace}, labels: { app.kubernetes.io/component: backend } }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name}, app.kubernetes.io/component: backend } }
    spec:
      containers: [{ name: echo, image: echo:test, ports: [{ name: http, containerPort: 8080 }] }]
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  selector: { app: ${name} }
  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]
`;

/** An Ingress sending every path of `host` to Service `service` port 80. */
export const hostIngress = (
  namespace: string,
  name: string,
  host: string,
  { service = 'echo', annotations }: { service?: string; annotations?: string } = {},
) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}, namespace: ${namespace}${annotations ? `, annotations: { ${annotations} }` : ''} }
spec:
  ingressClassName: kong
  rules:
    - host: ${host}
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: ${service}, port: { number: 80 } } } }]
`;

/**
 * Starts the harness's backend pods for `namespace`, applies `manifests` and waits until `pods` echo
 * pods serve.
 */
export async function startEchoBackends(
  namespace: string,
  manifests: string,
  pods: number,
): Promise<BackendPods> {
  const backends = await startBackendPods({ kubeConfig: kubeConfig(), namespace, podNetwork: podNetwork()! });
  await kubectlApply(manifests);
  await eventually(
    async () => {
      await backends.settled();
      return backends.running().length === pods;
    },
    { timeoutMs: 60_000, description: `${pods} echo pod(s) serving` },
  );
  return backends;
}

/** One GET through a proxy's data plane; resolves with the status code. */
export const dataPlaneStatus = (url: string, host: string) =>
  new Promise<number>((resolve, reject) => {
    const req = httpRequest(url, { headers: { host }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
