/**
 * The simulator seen by KIC: the requests KIC 3.5 makes through go-kong (client readiness `GET /status` and
 * `GET /`, `Listeners()`, `GetFullSchema` per plugin before each sync, decK's dump of the listing endpoints
 * for the last good config) answered in the shapes KIC parses; and schema features newer than the reported
 * Kong version refused with Kong's own messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedProxy, startSimulatedProxy } from '../../src/simulator/index.ts';

let proxy: SimulatedProxy;
let served: SimulatedProxy;

const get = async (base: string, path: string) => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const CONSUMER_ID = '5f6c3c28-d1d0-4d6f-9f4e-2cd6b3a8e8a1';
const CONFIG = {
  _format_version: '3.0',
  services: [{ name: 'echo', url: 'http://echo.default.svc:80', routes: [{ name: 'r', paths: ['/'] }] }],
  consumers: [
    {
      id: CONSUMER_ID,
      username: 'alice',
      keyauth_credentials: [{ key: 'alice-key' }],
      basicauth_credentials: [{ username: 'alice', password: 'pw' }],
      jwt_secrets: [{ key: 'alice-iss', secret: 'shh' }],
      acls: [{ group: 'admins' }],
    },
  ],
  plugins: [{ name: 'key-auth' }, { name: 'http-log', config: { http_endpoint: 'http://logs.example/x' } }],
};

beforeAll(async () => {
  proxy = await startSimulatedProxy({ kongVersion: '3.10.0', loadDurationMs: 0 });
  served = await startSimulatedProxy({
    kongVersion: '3.10.0',
    loadDurationMs: 0,
    dataPlane: { httpPort: 0 },
  });
  const res = await fetch(`${proxy.adminUrl}/config`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(CONFIG),
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await Promise.all([proxy.stop(), served.stop()]);
});

describe('GET / as go-kong reads it', () => {
  it('reports DB-less, the router flavor, Kong default proxy listeners and no stream listeners', async () => {
    const { status, body } = await get(proxy.adminUrl, '/');
    expect(status).toBe(200);
    const configuration = body.configuration as Record<string, unknown>;
    expect(configuration).toMatchObject({ database: 'off', router_flavor: 'traditional_compatible' });
    expect(configuration.proxy_listeners).toEqual([
      expect.objectContaining({
        listener: '0.0.0.0:8000',
        ip: '0.0.0.0',
        port: 8000,
        ssl: false,
        http2: false,
      }),
      expect.objectContaining({ listener: '0.0.0.0:8443 http2 ssl', port: 8443, ssl: true, http2: true }),
    ]);
    expect(configuration.stream_listeners).toEqual([]);
  });

  it("reports the data plane's own ports when it serves traffic", async () => {
    const { body } = await get(served.adminUrl, '/');
    const listeners = (body.configuration as { proxy_listeners: { port: number; ssl: boolean }[] })
      .proxy_listeners;
    expect(listeners).toEqual([
      expect.objectContaining({ port: Number(new URL(served.proxyUrl!).port), ssl: false }),
    ]);
  });

  it('fills plugins.available_on_server with every bundled plugin, its version and priority', async () => {
    const { body } = await get(proxy.adminUrl, '/');
    const plugins = body.plugins as {
      available_on_server: Record<string, unknown>;
      enabled_in_cluster: string[];
    };
    expect(plugins.available_on_server['key-auth']).toEqual({ version: '3.10.0', priority: 1250 });
    expect(plugins.available_on_server['http-log']).toEqual({ version: '3.10.0', priority: 12 });
    expect(Object.keys(plugins.available_on_server)).toEqual(
      expect.arrayContaining(['acl', 'cors', 'oauth2']),
    );
    expect(plugins.available_on_server).not.toHaveProperty('degraphql');
    expect(plugins.enabled_in_cluster.sort()).toEqual(['http-log', 'key-auth']);
  });
});

describe('GET /schemas/plugins/<name> (go-kong GetFullSchema)', () => {
  const configFields = (body: Record<string, unknown>) => {
    const config = (body.fields as Record<string, { fields?: Record<string, unknown>[] }>[]).find(
      (f) => 'config' in f,
    )?.config;
    return Object.assign({}, ...(config?.fields ?? [])) as Record<string, Record<string, unknown>>;
  };

  it("answers key-auth's schema with Kong's defaults", async () => {
    const { status, body } = await get(proxy.adminUrl, '/schemas/plugins/key-auth');
    expect(status).toBe(200);
    const fields = configFields(body);
    expect(fields.key_names).toMatchObject({ type: 'array', default: ['apikey'], required: true });
    expect(fields.hide_credentials).toMatchObject({ type: 'boolean', default: false });
    // key-auth cannot be scoped to a consumer: Kong shows the field as `eq = null`.
    const consumer = (body.fields as Record<string, Record<string, unknown>>[]).find((f) => 'consumer' in f);
    expect(consumer?.consumer).toMatchObject({ type: 'foreign', reference: 'consumers', eq: null });
  });

  it("nests records with their defaults (http-log's queue)", async () => {
    const { body } = await get(proxy.adminUrl, '/schemas/plugins/http-log');
    const queue = configFields(body).queue as { type: string; fields: Record<string, unknown>[] };
    expect(queue.type).toBe('record');
    expect(Object.assign({}, ...queue.fields)).toMatchObject({
      max_batch_size: { type: 'integer', default: 1, between: [1, 1_000_000] },
      concurrency_limit: { type: 'integer', default: 1, one_of: [-1, 1] },
    });
  });

  it("404s a plugin the node does not have, with Kong's message", async () => {
    expect(await get(proxy.adminUrl, '/schemas/plugins/nope')).toEqual({
      status: 404,
      body: { message: "No plugin named 'nope'" },
    });
  });
});

describe("listing endpoints under Kong's names (decK dump)", () => {
  it.each([
    ['/key-auths', 'key', 'alice-key'],
    ['/basic-auths', 'username', 'alice'],
    ['/jwts', 'key', 'alice-iss'],
    ['/acls', 'group', 'admins'],
    [`/consumers/${CONSUMER_ID}/key-auth`, 'key', 'alice-key'],
    ['/consumers/alice/acls', 'group', 'admins'],
  ])('%s', async (path, field, value) => {
    const { status, body } = await get(proxy.adminUrl, path);
    expect(status).toBe(200);
    expect(body.next).toBeNull();
    expect((body.data as Record<string, unknown>[]).map((e) => e[field])).toEqual([value]);
  });

  it.each(['/hmac-auths', '/oauth2', '/oauth2_tokens', '/vaults', '/keys', '/key-sets', '/filter-chains'])(
    '%s lists nothing loaded',
    async (path) => {
      expect(await get(proxy.adminUrl, path)).toEqual({ status: 200, body: { data: [], next: null } });
    },
  );

  it('serves no collection under a name Kong does not have', async () => {
    expect((await get(proxy.adminUrl, '/keyauth_credentials')).status).toBe(404);
  });

  it('serves /filter-chains only from Kong 3.4', async () => {
    const old = await startSimulatedProxy({ kongVersion: '3.3.0', loadDurationMs: 0 });
    try {
      expect((await get(old.adminUrl, '/filter-chains')).status).toBe(404);
      expect((await get(old.adminUrl, '/key-auths')).status).toBe(200);
    } finally {
      await old.stop();
    }
  });
});

describe('features newer than the reported version', () => {
  const sticky = {
    _format_version: '3.0',
    upstreams: [
      { name: 'u', algorithm: 'sticky-sessions', hash_on: 'none', sticky_sessions_cookie: 'route' },
    ],
  };
  const push = async (base: string) => {
    const res = await fetch(`${base}/config`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(sticky),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('refuses sticky-sessions below Kong 3.11 with the algorithm list of that version', async () => {
    const node = await startSimulatedProxy({ kongVersion: '3.9.1', loadDurationMs: 0 });
    try {
      const { status, body } = await push(node.adminUrl);
      expect(status).toBe(400);
      expect(body.fields).toEqual({
        upstreams: [
          {
            algorithm: 'expected one of: consistent-hashing, least-connections, round-robin, latency',
            sticky_sessions_cookie: 'unknown field',
          },
        ],
      });
    } finally {
      await node.stop();
    }
  });

  it('takes sticky-sessions from Kong 3.11, cookie path defaulted', async () => {
    const node = await startSimulatedProxy({ kongVersion: '3.11.0', loadDurationMs: 0 });
    try {
      const { status, body } = await push(node.adminUrl);
      expect(status).toBe(201);
      expect(Object.values(body.upstreams as Record<string, unknown>)).toEqual([
        expect.objectContaining({
          algorithm: 'sticky-sessions',
          sticky_sessions_cookie: 'route',
          sticky_sessions_cookie_path: '/',
        }),
      ]);
    } finally {
      await node.stop();
    }
  });
});
