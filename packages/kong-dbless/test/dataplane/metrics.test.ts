/** The Status API listener: /status, /status/ready, Prometheus /metrics, and how faults affect them. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EchoServer } from '../../src/simulator/index.ts';
import { type Node, startEchoes, startNode } from './harness.ts';

let echo: EchoServer;
let node: Node;
const config = () => ({
  consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'k' }] }],
  upstreams: [{ name: 'pool.svc', targets: [{ target: `${echo.host}:${echo.port}`, weight: 10 }] }],
  services: [
    {
      name: 'api',
      host: 'pool.svc',
      routes: [
        { name: 'open', paths: ['/open'] },
        { name: 'locked', paths: ['/locked'], plugins: [{ name: 'key-auth' }] },
      ],
    },
  ],
});

beforeAll(async () => {
  [echo] = (await startEchoes(1)) as [EchoServer];
  node = await startNode();
});
afterAll(async () => {
  await node.proxy.stop();
  await echo.stop();
});

const status = (path: string) => fetch(`${node.proxy.statusUrl}${path}`);
const metrics = async () => (await status('/metrics')).text();
/** The value of one sample line, 0 when absent. */
const sample = (text: string, line: string) => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
};
const requests = (route: string, code: number, source: string, consumer = '') =>
  `kong_http_requests_total{service="api",route="${route}",code="${code}",source="${source}",workspace="default",consumer="${consumer}"}`;

it('is not ready before a config is loaded, ready after', async () => {
  const before = await status('/status/ready');
  expect(before.status).toBe(503);
  expect(await before.json()).toEqual({
    message: 'no configuration available (empty configuration present)',
  });
  await node.load(config());
  expect((await status('/status/ready')).status).toBe(200);
  const doc = (await (await status('/status')).json()) as { configuration_hash: string };
  expect(doc.configuration_hash).toBe(node.proxy.state().configurationHash);
});

it('counts requests per route, code, source and consumer exactly', async () => {
  for (let i = 0; i < 3; i++) expect((await node.send('/open')).status).toBe(200);
  expect((await node.send('/locked')).status).toBe(401);
  expect((await node.send('/locked', { headers: { apikey: 'k' } })).status).toBe(200);
  expect((await node.send('/nowhere')).status).toBe(404);
  const text = await metrics();
  expect(sample(text, requests('open', 200, 'service'))).toBe(3);
  expect(sample(text, requests('locked', 401, 'kong'))).toBe(1);
  expect(sample(text, requests('locked', 200, 'service', 'alice'))).toBe(1);
  // Kong records nothing for a request no service handled (no route matched).
  expect(text).not.toContain('code="404"');
  expect(
    sample(
      text,
      'kong_bandwidth_bytes{service="api",route="open",direction="egress",workspace="default",consumer=""}',
    ),
  ).toBeGreaterThan(0);
  expect(
    sample(
      text,
      'kong_bandwidth_bytes{service="api",route="open",direction="ingress",workspace="default",consumer=""}',
    ),
  ).toBeGreaterThan(0);
  expect(sample(text, 'kong_request_latency_ms_count{service="api",route="open",workspace="default"}')).toBe(
    3,
  );
  expect(sample(text, 'kong_upstream_latency_ms_count{service="api",route="open",workspace="default"}')).toBe(
    3,
  );
  expect(
    sample(text, 'kong_upstream_latency_ms_count{service="api",route="locked",workspace="default"}'),
  ).toBe(1);
  expect(sample(text, 'kong_kong_latency_ms_count{service="api",route="locked",workspace="default"}')).toBe(
    2,
  );
  // Kong's bucket boundaries, zero-padded as its exporter prints them.
  expect(text).toContain(
    'kong_kong_latency_ms_bucket{service="api",route="open",workspace="default",le="0001.0"}',
  );
  expect(text).toContain(
    'kong_request_latency_ms_bucket{service="api",route="open",workspace="default",le="60000.0"}',
  );
  expect(text).toContain(
    'kong_upstream_latency_ms_bucket{service="api",route="open",workspace="default",le="+Inf"} 3',
  );
  expect(sample(text, 'kong_datastore_reachable')).toBe(1);
  const target = `${echo.host}:${echo.port}`;
  expect(
    sample(
      text,
      `kong_upstream_target_health{upstream="pool.svc",target="${target}",address="${target}",state="healthchecks_off",subsystem="http"}`,
    ),
  ).toBe(1);
  const nodeId = node.proxy.state().nodeId;
  expect(
    sample(text, `kong_nginx_connections_total{node_id="${nodeId}",subsystem="http",state="total"}`),
  ).toBe(6);
});

it('keeps the counters across a config reload', async () => {
  await node.load({ ...config(), consumers: [] });
  expect((await node.send('/open')).status).toBe(200);
  expect(sample(await metrics(), requests('open', 200, 'service'))).toBe(4);
});

it('down() closes the proxy and status listeners, up() reopens them on the same ports', async () => {
  await node.proxy.faults.down();
  await expect(node.send('/open')).rejects.toThrow();
  await expect(status('/status')).rejects.toThrow();
  await node.proxy.faults.up();
  expect((await node.send('/open')).status).toBe(200);
  expect(sample(await metrics(), requests('open', 200, 'service'))).toBe(5);
});

it('restart() loses the config and resets the counters', async () => {
  node.proxy.faults.restart();
  const res = await node.send('/open');
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ message: 'no Route matched with those values' });
  expect((await status('/status/ready')).status).toBe(503);
  const text = await metrics();
  expect(text).not.toContain('kong_http_requests_total');
  expect(text).not.toContain('kong_upstream_target_health{');
  await node.load(config());
  expect((await node.send('/open')).status).toBe(200);
  expect(sample(await metrics(), requests('open', 200, 'service'))).toBe(1);
});
