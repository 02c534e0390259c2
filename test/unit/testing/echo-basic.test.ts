import { request } from 'node:http';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalHeaderName,
  type EchoBasicServer,
  goDurationMs,
  startEchoBasicServer,
} from '../../../testing/pods/echo-basic.ts';
import { echoBasicServing } from '../../../testing/pods/echo-basic-pods.ts';
import { startForwarder } from '../../../testing/pods/forwarder.ts';

const get = (port: number, path: string, headers: Record<string, string | string[]> = {}) =>
  new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });

describe('echo-basic stand-in', () => {
  let server: EchoBasicServer;
  let port: number;
  beforeAll(async () => {
    // Port 0 is not echo-basic's, but the reply names the port it was given.
    server = await startEchoBasicServer({
      host: '127.0.0.1',
      port: 0,
      pod: 'infra-backend-v1-abc',
      namespace: 'ns',
    });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.stop());

  it('names Go canonical header keys', () => {
    expect(canonicalHeaderName('x-forwarded-for')).toBe('X-Forwarded-For');
    expect(canonicalHeaderName('user-agent')).toBe('User-Agent');
  });

  it('answers the request as echo-basic: URI with query, host, method, headers, pod and namespace', async () => {
    const res = await get(port, '/a/b?x=1', { host: 'example.com', 'x-multi': ['1', '2'] });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      path: '/a/b?x=1',
      host: 'example.com',
      method: 'GET',
      proto: 'HTTP/1.1',
      namespace: 'ns',
      pod: 'infra-backend-v1-abc',
    });
    expect(body.headers['X-Multi']).toEqual(['1', '2']);
    expect(body.headers.Host).toBeUndefined();
  });

  it('sets X-Echo-Set-Header headers and serves /health and /status/NNN', async () => {
    const res = await get(port, '/', { 'x-echo-set-header': 'X-Foo: bar,X-Baz:qux' });
    expect(res.headers['x-foo']).toBe('bar');
    expect(res.headers['x-baz']).toBe('qux');
    expect((await get(port, '/health')).body).toBe('OK');
    expect((await get(port, '/status/418')).status).toBe(418);
  });

  it("reads ?delay= as Go's time.ParseDuration and holds the answer that long", async () => {
    expect(goDurationMs('1s')).toBe(1000);
    expect(goDurationMs('1m30s')).toBe(90_000);
    expect(goDurationMs('250ms')).toBe(250);
    expect(goDurationMs('soon')).toBeUndefined();
    const started = performance.now();
    const res = await get(port, '/slow?delay=200ms');
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('forwards bytes through a TCP forwarder', async () => {
    const forwarder = await startForwarder({
      host: '127.0.0.1',
      port: 0,
      target: { host: '127.0.0.1', port },
    });
    try {
      const res = await get(forwarder.port, '/through');
      expect(JSON.parse(res.body).path).toBe('/through');
    } finally {
      await forwarder.stop();
    }
  });
});

describe('echoBasicServing', () => {
  const pod = (
    env: { name: string; value: string }[] = [],
    image = 'registry.k8s.io/gateway-api/echo-basic:v1.5.1',
  ) =>
    ({
      metadata: { name: 'p', namespace: 'gateway-conformance-infra' },
      spec: { containers: [{ name: 'c', image, env }] },
      status: { phase: 'Running', podIP: '10.244.1.5' },
    }) as V1Pod;

  it('serves HTTP on 3000 or HTTP_PORT', () => {
    expect(echoBasicServing(pod())).toEqual({ address: '10.244.1.5', port: 3000 });
    expect(echoBasicServing(pod([{ name: 'HTTP_PORT', value: '8080' }]))).toEqual({
      address: '10.244.1.5',
      port: 8080,
    });
  });

  it('leaves other images and the gRPC/TCP/UDP modes alone', () => {
    expect(echoBasicServing(pod([], 'nginx:1'))).toBeUndefined();
    expect(echoBasicServing(pod([{ name: 'GRPC_ECHO_SERVER', value: '1' }]))).toBeUndefined();
  });
});
