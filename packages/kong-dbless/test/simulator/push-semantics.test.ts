import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configHash, EMPTY_CONFIG_HASH } from '../../src/config-hash.ts';
import {
  type SimulatedProxy,
  startControlApi,
  startSimulatedFleet,
  startSimulatedProxy,
} from '../../src/simulator/index.ts';

const YAML =
  '_format_version: "3.0"\nservices:\n- name: echo\n  host: echo.default.svc\n  routes:\n  - name: echo\n    paths: ["/echo"]\n';
const postYaml = (proxy: SimulatedProxy, text: string, query = '') =>
  fetch(`${proxy.adminUrl}/config${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/yaml' },
    body: text,
  });
const status = async (proxy: SimulatedProxy) =>
  (await (await fetch(`${proxy.adminUrl}/status`)).json()) as {
    configuration_hash: string;
    server: Record<string, number>;
  };

let proxy: SimulatedProxy;
beforeEach(async () => {
  proxy = await startSimulatedProxy({ loadDurationMs: 200 });
});
afterEach(async () => {
  await proxy.stop();
});

describe('POST /config semantics', () => {
  it('answers 304 to an identical second push with check_hash=1', async () => {
    expect((await postYaml(proxy, YAML, '?check_hash=1')).status).toBe(201);
    const second = await postYaml(proxy, YAML, '?check_hash=1');
    expect(second.status).toBe(304);
    expect(proxy.state().configPushes).toBe(1);
    expect((await postYaml(proxy, YAML, '?check_hash=true')).status).toBe(201);
    expect((await status(proxy)).configuration_hash).toBe(configHash(YAML));
  });

  it('gives one 201 and one 429 with Retry-After to two concurrent pushes', async () => {
    const [a, b] = await Promise.all([postYaml(proxy, YAML), postYaml(proxy, `${YAML}# second\n`)]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 429]);
    const busy = a.status === 429 ? a : b;
    expect(busy.headers.get('retry-after')).toBe('10');
    expect(await busy.json()).toEqual({ message: 'Currently loading previous configuration' });
  });

  it('keeps zeros for an empty config and reports the body errors Kong gives', async () => {
    expect((await postYaml(proxy, '_format_version: "3.0"\n')).status).toBe(201);
    expect((await status(proxy)).configuration_hash).toBe(EMPTY_CONFIG_HASH);
    const noType = await fetch(`${proxy.adminUrl}/config`, {
      method: 'POST',
      body: YAML,
      headers: {} as Record<string, string>,
    });
    expect([400, 415]).toContain(noType.status);
    const xyaml = await fetch(`${proxy.adminUrl}/config`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-yaml' },
      body: YAML,
    });
    expect(xyaml.status).toBe(415);
    const badJson = await fetch(`${proxy.adminUrl}/config`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{',
    });
    expect(await badJson.json()).toEqual({ message: 'Cannot parse JSON body' });
    const scalar = await postYaml(proxy, 'bobby tables');
    expect(scalar.status).toBe(400);
    expect(((await scalar.json()) as { fields: unknown }).fields).toEqual({
      error: 'failed parsing declarative configuration: expected an object',
    });
    const huge = await postYaml(proxy, `# ${'x'.repeat(11 * 1024 * 1024)}\n`);
    expect(huge.status).toBe(413);
    expect(await huge.text()).toContain('413 Request Entity Too Large');
  });

  it('reports GET / and GET /config like a DB-less node', async () => {
    await postYaml(proxy, YAML);
    const root = (await (await fetch(`${proxy.adminUrl}/`)).json()) as {
      version: string;
      configuration: Record<string, unknown>;
    };
    expect(root.version).toBe('3.9.1');
    expect(root.configuration.database).toBe('off');
    expect(root.configuration.router_flavor).toBe('traditional_compatible');
    const exported = (await (await fetch(`${proxy.adminUrl}/config`)).json()) as { config: string };
    expect(exported.config).toContain('_transform: false');
    expect(exported.config).toMatch(/service: [0-9a-f-]{36}/);
    proxy.faults.setVersion('3.3.0');
    expect(((await (await fetch(`${proxy.adminUrl}/`)).json()) as { version: string }).version).toBe('3.3.0');
  });
});

describe('faults and counters', () => {
  it('counts traffic, loses config on restart and keeps it across down/up', async () => {
    await postYaml(proxy, YAML);
    const before = await status(proxy);
    expect(before.server.total_requests).toBeGreaterThanOrEqual(2);
    await proxy.faults.down();
    await expect(fetch(`${proxy.adminUrl}/status`)).rejects.toThrow();
    await proxy.faults.up();
    expect((await status(proxy)).configuration_hash).toBe(configHash(YAML));
    proxy.faults.restart();
    const after = await status(proxy);
    expect(after.configuration_hash).toBe(EMPTY_CONFIG_HASH);
    expect(after.server.total_requests).toBe(1);
  });

  it('fails, drops and delays requests on demand', async () => {
    proxy.faults.failNext(2, 503);
    expect((await fetch(`${proxy.adminUrl}/status`)).status).toBe(503);
    expect((await fetch(`${proxy.adminUrl}/status`)).status).toBe(503);
    expect((await fetch(`${proxy.adminUrl}/status`)).status).toBe(200);
    proxy.faults.dropNext(1);
    await expect(fetch(`${proxy.adminUrl}/status`)).rejects.toThrow();
    proxy.faults.setLatency(150);
    const started = performance.now();
    await fetch(`${proxy.adminUrl}/status`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('exposes a control API over a fleet', async () => {
    const fleet = await startSimulatedFleet({ count: 3, loadDurationMs: 1 });
    const control = await startControlApi(fleet);
    try {
      const list = (await (await fetch(`${control.url}/proxies`)).json()) as { data: { id: string }[] };
      expect(list.data.map((p) => p.id)).toEqual(['proxy-0', 'proxy-1', 'proxy-2']);
      await postYaml(fleet.proxies[1]!, YAML);
      const restarted = await fetch(`${control.url}/proxies/proxy-1/faults/restart`, { method: 'POST' });
      expect(((await restarted.json()) as { configurationHash: string }).configurationHash).toBe(
        EMPTY_CONFIG_HASH,
      );
      await fetch(`${control.url}/proxies/proxy-2/faults/fail`, {
        method: 'POST',
        body: JSON.stringify({ count: 1, status: 500 }),
      });
      expect((await fetch(`${fleet.proxies[2]!.adminUrl}/status`)).status).toBe(500);
    } finally {
      await control.stop();
      await fleet.stop();
    }
  });
});
