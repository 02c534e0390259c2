/** Upstreams and targets: weighted round-robin, weight 0, and Kong's answers when no peer can be used. */
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EchoServer } from '../../src/simulator/index.ts';
import { echoJson, type Node, startEchoes, startNode, target } from './harness.ts';

let echoes: EchoServer[];
let node: Node;
/** A loopback port with nothing listening: bound once to get a free number, then closed. */
let closedPort: number;

beforeAll(async () => {
  echoes = await startEchoes(3);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  node = await startNode();
  const [a, b, c] = echoes as [EchoServer, EchoServer, EchoServer];
  await node.load({
    upstreams: [
      {
        name: 'weighted.svc',
        targets: [
          { target: target(a), weight: 300 },
          { target: target(b), weight: 100 },
          { target: target(c), weight: 0 },
        ],
      },
      { name: 'empty.svc' },
      { name: 'all-zero.svc', targets: [{ target: target(a), weight: 0 }] },
      { name: 'with-host-header.svc', host_header: 'backend.internal', targets: [{ target: target(c) }] },
    ],
    services: [
      { name: 'weighted', host: 'weighted.svc', port: 80, routes: [{ name: 'w', paths: ['/w'] }] },
      { name: 'empty', host: 'empty.svc', routes: [{ name: 'e', paths: ['/empty'] }] },
      { name: 'zero', host: 'all-zero.svc', routes: [{ name: 'z', paths: ['/zero'] }] },
      { name: 'hh', host: 'with-host-header.svc', routes: [{ name: 'hh', paths: ['/hh'] }] },
      {
        name: 'refused',
        host: '127.0.0.1',
        port: closedPort,
        retries: 1,
        routes: [{ name: 'r', paths: ['/refused'] }],
      },
    ],
  });
});
afterAll(async () => {
  await node.proxy.stop();
  await Promise.all(echoes.map((e) => e.stop()));
});

it('spreads requests over targets by weight and never picks a weight-0 target', async () => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    const reply = await echoJson(await node.send('/w'));
    counts[reply.name] = (counts[reply.name] ?? 0) + 1;
  }
  // 3:1 weights: 150/50 over whole cycles of the wheel; a ±10 % band still catches a wrong split (1:1 = 100).
  expect(counts['echo-0']).toBeGreaterThanOrEqual(135);
  expect(counts['echo-0']).toBeLessThanOrEqual(165);
  expect(counts['echo-0']! + counts['echo-1']!).toBe(200);
  expect(counts['echo-2']).toBeUndefined();
});

it('sends the target as Host, or the upstream host_header when set', async () => {
  const [a, , c] = echoes as [EchoServer, EchoServer, EchoServer];
  const weighted = await echoJson(await node.send('/w'));
  expect([target(a), target(echoes[1]!)]).toContain(weighted.headers.host);
  const fixed = await echoJson(await node.send('/hh'));
  expect(fixed.name).toBe(c.name);
  expect(fixed.headers.host).toBe(`backend.internal:${c.port}`);
});

it('answers 503 when the upstream has no target, or only weight-0 ones', async () => {
  for (const path of ['/empty', '/zero']) {
    const res = await node.send(path);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ message: 'failure to get a peer from the ring-balancer' });
  }
});

it('answers 502 when the upstream refuses the connection', async () => {
  const res = await node.send('/refused');
  expect(res.status).toBe(502);
  expect(await res.json()).toEqual({ message: 'An invalid response was received from the upstream server' });
});
