import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EchoReply } from '@kong-fleet/kong-dbless/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendPods } from '../../../testing/pods/backend-pods.ts';
import type { ProxyPod, ProxyPods } from '../../../testing/pods/proxy-pods.ts';
import { podNetwork } from '../../helpers/cluster.ts';
import { echoBackend, startEchoBackends } from '../../helpers/echo-backends.ts';
import { eventually } from '../../helpers/eventually.ts';
import { kubectlApply } from '../../helpers/kube.ts';
import { waitForConvergence } from '../../helpers/pipeline.ts';
import { pipelineHarness } from '../../helpers/pipeline-harness.ts';

const routes = (namespace: string) => `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: ${namespace}
  annotations: { konghq.com/strip-path: "true" }
spec:
  ingressClassName: kong
  rules:
    - host: shop.example
      http:
        paths: [{ path: /shop, pathType: Prefix, backend: { service: { name: echo-a, port: { number: 80 } } } }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop-beta
  namespace: ${namespace}
  annotations: { konghq.com/strip-path: "true", konghq.com/headers.x-variant: beta }
spec:
  ingressClassName: kong
  rules:
    - host: shop.example
      http:
        paths: [{ path: /shop, pathType: Prefix, backend: { service: { name: echo-b, port: { number: 80 } } } }]
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: key-auth, namespace: ${namespace} }
plugin: key-auth
config: { key_names: [apikey] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: private
  namespace: ${namespace}
  annotations: { konghq.com/plugins: key-auth }
spec:
  ingressClassName: kong
  rules:
    - host: private.example
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: echo-b, port: { number: 80 } } } }]
---
apiVersion: v1
kind: Secret
metadata: { name: alice-key, namespace: ${namespace}, labels: { konghq.com/credential: key-auth } }
type: Opaque
stringData: { key: test-only-key }
---
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata: { name: alice, namespace: ${namespace}, annotations: { kubernetes.io/ingress.class: kong } }
username: alice
credentials: [alice-key]
`;

interface Answer {
  status: number;
  body: string;
}

/** One GET to a pod IP (node:http, so the Host header is ours); over TLS it verifies the pod's certificate. */
const send = (url: string, headers: Record<string, string>, tls?: { ca: string; servername: string }) =>
  new Promise<Answer>((resolve, reject) => {
    const callback = (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = tls
      ? httpsRequest(url, { headers, ...tls, timeout: 5000 }, callback)
      : httpRequest(url, { headers, timeout: 5000 }, callback);
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
const get = (url: string, headers: Record<string, string>) => send(url, headers);

const echo = (answer: Answer) => JSON.parse(answer.body) as EchoReply;

describe.skipIf(!podNetwork())('proxies are pods: traffic through every proxy pod to echo pods', () => {
  const h = pipelineHarness('traffic', 3);
  let namespace: string;
  let prefix: string;
  let pods: ProxyPods;
  let backends: BackendPods;

  beforeAll(async () => {
    ({ namespace, prefix, pods } = h);
    backends = await startEchoBackends(
      namespace,
      `${echoBackend(namespace, 'echo-a', 2)}---${echoBackend(namespace, 'echo-b', 1)}`,
      3,
    );
    await kubectlApply(routes(namespace));
    await h.startController();
  });

  afterAll(async () => {
    await backends?.stop();
  });

  /** Waits until every proxy routes to the echo pods (targets come from the backends' EndpointSlices). */
  async function converged(): Promise<ProxyPod[]> {
    const proxies = pods.running();
    await waitForConvergence(prefix, proxies);
    for (const proxy of proxies)
      await eventually(
        async () => {
          const answer = await get(`${proxy.proxyUrl}/shop/x`, { host: 'shop.example' });
          return answer.status === 200;
        },
        { timeoutMs: 60_000, description: `${proxy.name} proxies /shop` },
      );
    return proxies;
  }

  it('routes by host, path (stripped) and header to the right echo pods, 404 otherwise', async () => {
    const proxies = await converged();
    const names = (prefixName: string) =>
      backends
        .running()
        .filter((b) => b.name.startsWith(`${prefixName}-`))
        .map((b) => b.name);
    const ca = await readFile(pods.clientFiles.ca, 'utf8');
    for (const proxy of proxies) {
      const plain = await get(`${proxy.proxyUrl}/shop/items?id=7`, { host: 'shop.example' });
      expect(plain.status).toBe(200);
      const reply = echo(plain);
      expect(names('echo-a')).toContain(reply.name);
      expect(reply.url).toBe('/items?id=7');
      expect(reply.headers.host).toBe('shop.example'); // KIC's preserve_host default
      expect(reply.headers['x-forwarded-host']).toBe('shop.example');
      expect(reply.headers['x-forwarded-prefix']).toBe('/shop/'); // KIC's Prefix path: /shop/ and ~/shop$

      const beta = await get(`${proxy.proxyUrl}/shop/items`, { host: 'shop.example', 'x-variant': 'beta' });
      expect(beta.status).toBe(200);
      expect(names('echo-b')).toContain(echo(beta).name);
      expect(echo(beta).path).toBe('/items');

      const tls = await send(
        `${proxy.proxyTlsUrl}/shop/tls`,
        { host: 'shop.example' },
        { ca, servername: pods.serverName },
      );
      expect(tls.status).toBe(200);
      expect(echo(tls).path).toBe('/tls');
      expect(echo(tls).headers['x-forwarded-proto']).toBe('https');

      for (const [path, host] of [
        ['/shop/items', 'other.example'],
        ['/elsewhere', 'shop.example'],
      ] as const) {
        const missed = await get(`${proxy.proxyUrl}${path}`, { host });
        expect(missed.status).toBe(404);
        expect(JSON.parse(missed.body)).toEqual({ message: 'no Route matched with those values' });
      }
    }
    // Both echo-a pods are used (round-robin over the Service's endpoints).
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++)
      seen.add(echo(await get(`${proxies[0]!.proxyUrl}/shop/rr`, { host: 'shop.example' })).name);
    expect([...seen].sort()).toEqual(names('echo-a').sort());
  });

  it('refuses a key-auth route without a key (401) and admits the KongConsumer key', async () => {
    const proxies = await converged();
    for (const proxy of proxies) {
      const refused = await get(`${proxy.proxyUrl}/private`, { host: 'private.example' });
      expect(refused.status).toBe(401);
      const wrong = await get(`${proxy.proxyUrl}/private`, { host: 'private.example', apikey: 'nope' });
      expect(wrong.status).toBe(401);
      const admitted = await get(`${proxy.proxyUrl}/private`, {
        host: 'private.example',
        apikey: 'test-only-key',
      });
      expect(admitted.status).toBe(200);
      expect(echo(admitted).headers['x-consumer-username']).toBe('alice');
      expect(echo(admitted).path).toBe('/private');
    }
  });

  it("serves Kong's status API and Prometheus metrics on each pod", async () => {
    const proxies = await converged();
    for (const proxy of proxies) {
      expect((await get(`${proxy.statusUrl}/status/ready`, {})).status).toBe(200);
      const metrics = await get(`${proxy.statusUrl}/metrics`, {});
      expect(metrics.body).toMatch(/kong_http_requests_total\{[^}]*code="200"/);
    }
  });
});
