/** Route matching and request rewriting on the proxy listener, default router (traditional_compatible). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EchoServer } from '../../src/simulator/index.ts';
import { echoJson, type Node, startEchoes, startNode } from './harness.ts';

let echoes: EchoServer[];
let node: Node;
const service = (name: string, echo: EchoServer, routes: unknown[], extra: Record<string, unknown> = {}) => ({
  name,
  host: echo.host,
  port: echo.port,
  ...extra,
  routes,
});

beforeAll(async () => {
  echoes = await startEchoes(3);
  node = await startNode();
  const [a, b, c] = echoes as [EchoServer, EchoServer, EchoServer];
  await node.load({
    services: [
      service('by-host', a, [{ name: 'exact-host', hosts: ['example.com'] }]),
      service('by-wildcard', b, [
        { name: 'suffix-wildcard', hosts: ['*.wild.test'] },
        { name: 'prefix-wildcard', hosts: ['prefixed.*'] },
      ]),
      service('by-path', a, [
        { name: 'strip', paths: ['/strip'], strip_path: true },
        { name: 'keep', paths: ['/keep'], strip_path: false },
        { name: 'regex', paths: ['~/items/\\d+$'], strip_path: false },
        { name: 'preserve', paths: ['/preserve'], preserve_host: true },
      ]),
      service('with-path', c, [{ name: 'joined', paths: ['/svc'] }], { path: '/base' }),
      service('by-header', b, [{ name: 'header', paths: ['/h'], headers: { 'x-version': ['v2'] } }]),
      service('by-method', c, [{ name: 'method', paths: ['/h'], methods: ['POST'] }]),
      service('fallback', a, [{ name: 'short', paths: ['/h'] }]),
      // Priorities: a longer prefix wins over a shorter one; a host+path route beats a path-only route.
      service('long', a, [{ name: 'long-prefix', paths: ['/prio/longer'] }]),
      service('short', b, [{ name: 'short-prefix', paths: ['/prio'] }]),
      service('hosted', c, [{ name: 'host-and-path', paths: ['/prio'], hosts: ['prio.test'] }]),
      // regex_priority orders regex paths against each other.
      service('regex-low', a, [{ name: 'regex-low', paths: ['~/rp/.+'], regex_priority: 1 }]),
      service('regex-high', b, [{ name: 'regex-high', paths: ['~/rp/x.*'], regex_priority: 5 }]),
    ],
  });
});
afterAll(async () => {
  await node.proxy.stop();
  await Promise.all(echoes.map((e) => e.stop()));
});

describe('host matching', () => {
  it('routes an exact host and ignores the port in the Host header', async () => {
    const reply = await echoJson(await node.send('/anything', { host: 'example.com:8000' }));
    expect(reply.name).toBe('echo-0');
    expect(reply.path).toBe('/anything');
  });
  it('matches `*.domain` for any depth of subdomain, and `name.*` for any suffix', async () => {
    expect((await echoJson(await node.send('/', { host: 'a.wild.test' }))).name).toBe('echo-1');
    expect((await echoJson(await node.send('/', { host: 'a.b.wild.test' }))).name).toBe('echo-1');
    expect((await echoJson(await node.send('/', { host: 'prefixed.anything.io' }))).name).toBe('echo-1');
  });
  it('answers 404 with Kong body for a host nothing matches', async () => {
    const res = await node.send('/', { host: 'wild.test' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'no Route matched with those values' });
    expect(res.headers.get('server')).toBe('kong/3.9.1');
    expect(res.headers.get('x-kong-response-latency')).toMatch(/^\d+$/);
  });
});

describe('paths', () => {
  it('strips the matched prefix with strip_path and keeps it without', async () => {
    expect((await echoJson(await node.send('/strip/a/b?x=1'))).url).toBe('/a/b?x=1');
    expect((await echoJson(await node.send('/keep/a'))).path).toBe('/keep/a');
  });
  it('matches a regex path anchored at the start', async () => {
    expect((await echoJson(await node.send('/items/42'))).path).toBe('/items/42');
    expect((await node.send('/items/42x')).status).toBe(404);
    expect((await node.send('/x/items/42')).status).toBe(404);
  });
  it('joins the service path with the rest of the request path (v0)', async () => {
    expect((await echoJson(await node.send('/svc/a'))).path).toBe('/base/a');
    expect((await echoJson(await node.send('/svc'))).path).toBe('/base');
  });
});

describe('forwarded request', () => {
  it('sends the upstream Host by default and the client Host with preserve_host', async () => {
    const plain = await echoJson(await node.send('/strip/x', { host: 'client.test' }));
    expect(plain.headers.host).toBe(`${echoes[0]!.host}:${echoes[0]!.port}`);
    const preserved = await echoJson(await node.send('/preserve/x', { host: 'client.test' }));
    expect(preserved.headers.host).toBe('client.test');
  });
  it('adds X-Forwarded-* as Kong does and answers with Via and latency headers', async () => {
    const res = await node.send('/strip/x?y=2', {
      host: 'client.test:9999',
      headers: { 'x-forwarded-for': '10.1.1.1' },
    });
    const reply = await echoJson(res);
    const port = new URL(node.proxy.proxyUrl!).port;
    expect(reply.headers).toMatchObject({
      'x-forwarded-for': '10.1.1.1, 127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'client.test',
      'x-forwarded-port': port,
      'x-forwarded-path': '/strip/x',
      'x-forwarded-prefix': '/strip',
      'x-real-ip': '127.0.0.1',
    });
    expect(res.headers.get('via')).toBe('1.1 kong/3.9.1');
    expect(res.headers.get('x-kong-upstream-latency')).toMatch(/^\d+$/);
    expect(res.headers.get('x-kong-proxy-latency')).toMatch(/^\d+$/);
  });
  it('forwards method and body unchanged', async () => {
    const reply = await echoJson(await node.send('/keep/post', { method: 'PUT', body: 'hello' }));
    expect(reply.method).toBe('PUT');
    expect(reply.body).toBe('hello');
  });
});

describe('headers, methods and priorities', () => {
  it('a header route wins when the header matches (case-insensitive value)', async () => {
    expect((await echoJson(await node.send('/h', { headers: { 'X-Version': 'V2' } }))).name).toBe('echo-1');
    expect((await echoJson(await node.send('/h', { headers: { 'X-Version': 'v1' } }))).name).toBe('echo-0');
  });
  it('a method route matches only its methods', async () => {
    const post = await echoJson(await node.send('/h', { method: 'POST' }));
    expect([post.name, post.method]).toEqual(['echo-2', 'POST']);
    const get = await echoJson(await node.send('/h'));
    expect([get.name, get.method]).toEqual(['echo-0', 'GET']);
  });
  it('the longer prefix wins, and a host+path route beats a path-only one', async () => {
    expect((await echoJson(await node.send('/prio/longer/x'))).name).toBe('echo-0');
    expect((await echoJson(await node.send('/prio/other'))).name).toBe('echo-1');
    expect((await echoJson(await node.send('/prio/longer/x', { host: 'prio.test' }))).name).toBe('echo-2');
  });
  it('regex_priority orders regex paths', async () => {
    expect((await echoJson(await node.send('/rp/xyz'))).name).toBe('echo-1');
    expect((await echoJson(await node.send('/rp/abc'))).name).toBe('echo-0');
  });
});
