/** The small app most pipeline tests serve: Service `echo` (port 80) and an Ingress routing to it. */
export interface EchoAppOptions {
  namespace: string;
  /** @defaultValue '/echo' */
  path?: string;
  /** The Ingress rule's host; none by default (every host). */
  host?: string;
  /** Ready endpoint addresses for a hand-written EndpointSlice `echo-1` (target port 8080); none by default. */
  endpoints?: readonly string[];
}

export function echoApp({ namespace, path = '/echo', host, endpoints }: EchoAppOptions): string {
  const service = endpoints
    ? `spec:\n  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]`
    : 'spec: { ports: [{ name: http, port: 80 }] }';
  const slice = endpoints
    ? `---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-1
  namespace: ${namespace}
  labels: { kubernetes.io/service-name: echo }
addressType: IPv4
ports: [{ name: http, port: 8080, protocol: TCP }]
endpoints: [${endpoints.map((address) => `{ addresses: [${address}], conditions: { ready: true } }`).join(', ')}]
`
    : '';
  const rule = host ? `    - host: ${host}\n      http:` : '    - http:';
  return `
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: ${namespace} }
${service}
${slice}---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: echo, namespace: ${namespace} }
spec:
  ingressClassName: kong
  rules:
${rule}
        paths: [{ path: ${path}, pathType: Prefix, backend: { service: { name: echo, port: { number: 80 } } } }]
`;
}
