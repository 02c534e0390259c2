/** The `traditional` and `expressions` router flavors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EchoServer } from '../../src/simulator/index.ts';
import { echoJson, type Node, startEchoes, startNode } from './harness.ts';

let echoes: EchoServer[];
beforeAll(async () => {
  echoes = await startEchoes(3);
});
afterAll(async () => {
  await Promise.all(echoes.map((e) => e.stop()));
});

describe('traditional', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({ routerFlavor: 'traditional' });
    const [a, b, c] = echoes as [EchoServer, EchoServer, EchoServer];
    await node.load({
      services: [
        { name: 'prefix', host: a.host, port: a.port, routes: [{ name: 'p', paths: ['/t/long/path'] }] },
        // A regex path sorts before a plain prefix in the same category, whatever the lengths.
        { name: 'regex', host: b.host, port: b.port, routes: [{ name: 'r', paths: ['~/t/.*'] }] },
        {
          name: 'more-conditions',
          host: c.host,
          port: c.port,
          routes: [{ name: 'm', paths: ['/t'], methods: ['DELETE'] }],
        },
      ],
    });
  });
  afterAll(() => node.proxy.stop());

  it('orders routes by match count, then regex before prefix', async () => {
    expect((await echoJson(await node.send('/t/long/path'))).name).toBe('echo-1');
    expect((await echoJson(await node.send('/t/long/path', { method: 'DELETE' }))).name).toBe('echo-2');
    expect((await node.send('/other')).status).toBe(404);
  });
});

describe('expressions', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode({ routerFlavor: 'expressions' });
    const [a, b, c] = echoes as [EchoServer, EchoServer, EchoServer];
    await node.load({
      services: [
        {
          name: 'api',
          host: a.host,
          port: a.port,
          routes: [
            {
              name: 'kic-prefix',
              expression: '(http.host == "api.test") && ((http.path == "/api") || (http.path ^= "/api/"))',
              priority: 10,
              strip_path: true,
            },
          ],
        },
        {
          name: 'headers',
          host: b.host,
          port: b.port,
          routes: [
            {
              name: 'header-and-method',
              expression:
                'http.headers.x_tenant == "blue" && http.method == "GET" && http.path ~ "^/api/v[0-9]+"',
              priority: 20,
              strip_path: false,
            },
          ],
        },
        {
          name: 'low',
          host: c.host,
          port: c.port,
          routes: [{ name: 'catch-all', expression: 'http.path ^= "/"', priority: 1 }],
        },
      ],
    });
  });
  afterAll(() => node.proxy.stop());

  it('matches && / || / parentheses and strips the matched prefix', async () => {
    const reply = await echoJson(await node.send('/api/users', { host: 'api.test' }));
    expect([reply.name, reply.path]).toEqual(['echo-0', '/users']);
    expect((await echoJson(await node.send('/api', { host: 'api.test' }))).path).toBe('/');
  });
  it('the higher priority wins; header names use `_` for `-`', async () => {
    const reply = await echoJson(
      await node.send('/api/v2/x', { host: 'api.test', headers: { 'X-Tenant': 'blue' } }),
    );
    expect([reply.name, reply.path]).toEqual(['echo-1', '/api/v2/x']);
    // Not GET: the priority-20 route does not match, the host route does.
    const post = await echoJson(
      await node.send('/api/v2/x', { host: 'api.test', method: 'POST', headers: { 'X-Tenant': 'blue' } }),
    );
    expect(post.name).toBe('echo-0');
  });
  it('falls through to the lowest priority', async () => {
    expect((await echoJson(await node.send('/elsewhere'))).name).toBe('echo-2');
  });
});
