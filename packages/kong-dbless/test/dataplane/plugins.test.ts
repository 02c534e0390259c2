/** The plugins that decide whether a request passes, and how Kong picks the instance that applies. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderUriTemplate, uriCaptures } from '../../src/simulator/dataplane/plugins/transformers.ts';
import type { EchoServer } from '../../src/simulator/index.ts';
import { echoJson, type Node, startEchoes, startNode } from './harness.ts';

let echo: EchoServer;
let node: Node;
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

beforeAll(async () => {
  [echo] = (await startEchoes(1)) as [EchoServer];
  node = await startNode();
  const route = (name: string, plugins: unknown[], extra: Record<string, unknown> = {}) => ({
    name,
    paths: [`/${name}`],
    plugins,
    ...extra,
  });
  await node.load({
    consumers: [
      {
        username: 'alice',
        custom_id: 'a-1',
        keyauth_credentials: [{ key: 'alice-key' }],
        acls: [{ group: 'gold' }],
      },
      {
        username: 'bob',
        keyauth_credentials: [{ key: 'bob-key' }],
        basicauth_credentials: [{ username: 'bob', password: 'secret' }],
        acls: [{ group: 'silver' }],
      },
      {
        username: 'carol',
        keyauth_credentials: [{ key: 'carol-key' }],
        // A consumer-scoped instance: carol gets her own limit wherever the route has rate-limiting.
        plugins: [{ name: 'rate-limiting', config: { minute: 100, policy: 'local' } }],
      },
      { username: 'guest' },
    ],
    services: [
      {
        name: 'svc',
        host: echo.host,
        port: echo.port,
        routes: [
          route('key', [{ name: 'key-auth' }]),
          route('key-hidden', [
            { name: 'key-auth', config: { key_names: ['x-api-key'], hide_credentials: true } },
          ]),
          route('key-anon', [{ name: 'key-auth', config: { anonymous: 'guest' } }]),
          route('basic', [{ name: 'basic-auth', config: { hide_credentials: true } }]),
          route('acl', [{ name: 'key-auth' }, { name: 'acl', config: { allow: ['gold'] } }]),
          route('acl-deny', [{ name: 'key-auth' }, { name: 'acl', config: { deny: ['gold'] } }]),
          route('ip-deny', [{ name: 'ip-restriction', config: { deny: ['127.0.0.0/8'] } }]),
          route('ip-allow', [{ name: 'ip-restriction', config: { allow: ['127.0.0.1'] } }]),
          route('ip-elsewhere', [
            { name: 'ip-restriction', config: { allow: ['10.0.0.0/8'], status: 401, message: 'go away' } },
          ]),
          route('terminate', [
            { name: 'request-termination', config: { status_code: 403, message: 'closed' } },
          ]),
          route('terminate-body', [
            {
              name: 'request-termination',
              config: { status_code: 200, body: '<b>maintenance</b>', content_type: 'text/html' },
            },
          ]),
          route('terminate-trigger', [{ name: 'request-termination', config: { trigger: 'x-stop' } }]),
          // A year window: the count cannot restart between two requests of the test (except at New Year, UTC).
          route('limited', [{ name: 'rate-limiting', config: { year: 3, policy: 'local', limit_by: 'ip' } }]),
          route('limited-consumer', [
            { name: 'key-auth' },
            { name: 'rate-limiting', config: { hour: 5, policy: 'local' } },
          ]),
          route('passthrough', [{ name: 'cors' }, { name: 'correlation-id' }]),
          route('headers', [
            {
              name: 'request-transformer',
              config: {
                remove: { headers: ['x-gone'] },
                replace: { headers: ['x-set:new', 'x-absent:never'] },
                add: { headers: ['x-set:ignored', 'x-added:1'] },
                append: { headers: ['x-multi:b'] },
              },
            },
            {
              name: 'response-transformer',
              config: { add: { headers: ['x-resp:yes'] }, remove: { headers: ['x-content-type-options'] } },
            },
          ]),
          {
            name: 'rewrite',
            paths: ['~/rewrite$', '~/rewrite(/.*)'],
            plugins: [
              {
                name: 'request-transformer',
                config: {
                  replace: { uri: '/new$(uri_captures[1])', headers: ['host:rewritten.example'] },
                  add: { headers: ['host:rewritten.example'] },
                },
              },
            ],
          },
          route('moved', [
            { name: 'request-termination', config: { status_code: 302 } },
            {
              name: 'response-transformer',
              config: { add: { headers: ['Location: http://example.org:8080/x'] } },
            },
          ]),
          route('redirect-keep', [
            {
              name: 'redirect',
              config: { status_code: 308, location: 'https://example.org:8443/', keep_incoming_path: true },
            },
          ]),
        ],
      },
    ],
  });
});
afterAll(async () => {
  await node.proxy.stop();
  await echo.stop();
});

describe('key-auth', () => {
  it('refuses a request without a key', async () => {
    const res = await node.send('/key');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'No API key found in request' });
    expect(res.headers.get('www-authenticate')).toBe('Key');
  });
  it('refuses an unknown key and accepts a known one from the header or the query', async () => {
    const bad = await node.send('/key', { headers: { apikey: 'nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ message: 'Unauthorized' });
    const byHeader = await echoJson(await node.send('/key', { headers: { apikey: 'alice-key' } }));
    expect(byHeader.headers).toMatchObject({
      'x-consumer-username': 'alice',
      'x-consumer-custom-id': 'a-1',
      apikey: 'alice-key',
    });
    const byQuery = await echoJson(await node.send('/key?apikey=bob-key&x=1'));
    expect(byQuery.headers['x-consumer-username']).toBe('bob');
    expect(byQuery.query).toEqual({ apikey: 'bob-key', x: '1' });
  });
  it('hides the credential from the upstream with hide_credentials', async () => {
    const reply = await echoJson(await node.send('/key-hidden', { headers: { 'X-API-Key': 'alice-key' } }));
    expect(reply.headers['x-api-key']).toBeUndefined();
    expect(reply.headers['x-consumer-username']).toBe('alice');
  });
  it('passes as the anonymous consumer when configured', async () => {
    const reply = await echoJson(await node.send('/key-anon'));
    expect(reply.headers).toMatchObject({ 'x-consumer-username': 'guest', 'x-anonymous-consumer': 'true' });
  });
});

describe('basic-auth', () => {
  it('refuses without or with wrong credentials, accepts the right ones and hides them', async () => {
    const none = await node.send('/basic');
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: 'Unauthorized' });
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="service"');
    expect((await node.send('/basic', { headers: { authorization: basic('bob', 'wrong') } })).status).toBe(
      401,
    );
    const reply = await echoJson(
      await node.send('/basic', { headers: { authorization: basic('bob', 'secret') } }),
    );
    expect(reply.headers['x-consumer-username']).toBe('bob');
    expect(reply.headers['x-credential-identifier']).toBe('bob');
    expect(reply.headers.authorization).toBeUndefined();
  });
});

describe('acl', () => {
  it('allows only the listed groups and sends the groups upstream', async () => {
    const gold = await echoJson(await node.send('/acl', { headers: { apikey: 'alice-key' } }));
    expect(gold.headers['x-consumer-groups']).toBe('gold');
    const silver = await node.send('/acl', { headers: { apikey: 'bob-key' } });
    expect(silver.status).toBe(403);
    expect(await silver.json()).toEqual({ message: 'You cannot consume this service' });
  });
  it('refuses denied groups', async () => {
    expect((await node.send('/acl-deny', { headers: { apikey: 'alice-key' } })).status).toBe(403);
    expect((await node.send('/acl-deny', { headers: { apikey: 'bob-key' } })).status).toBe(200);
  });
});

describe('ip-restriction', () => {
  it('denies listed addresses, allows listed ones, and uses status/message', async () => {
    const denied = await node.send('/ip-deny');
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ message: 'Your IP address is not allowed' });
    expect((await node.send('/ip-allow')).status).toBe(200);
    const elsewhere = await node.send('/ip-elsewhere');
    expect(elsewhere.status).toBe(401);
    expect(await elsewhere.json()).toEqual({ message: 'go away' });
  });
});

describe('request-termination', () => {
  it('answers with status and message, or with a raw body', async () => {
    const res = await node.send('/terminate');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'closed' });
    const page = await node.send('/terminate-body');
    expect(page.headers.get('content-type')).toBe('text/html');
    expect(await page.text()).toBe('<b>maintenance</b>');
  });
  it('with a trigger, ends only the requests that carry it', async () => {
    expect((await node.send('/terminate-trigger')).status).toBe(200);
    const stopped = await node.send('/terminate-trigger', { headers: { 'x-stop': '1' } });
    expect(stopped.status).toBe(503);
    expect(await stopped.json()).toEqual({ message: 'Service unavailable' });
  });
});

describe('request-transformer and response-transformer', () => {
  it('removes, replaces (present only), adds (absent only) and appends headers both ways', async () => {
    const res = await node.send('/headers', { headers: { 'x-gone': '1', 'x-set': 'old', 'x-multi': 'a' } });
    expect(res.headers.get('x-resp')).toBe('yes');
    const seen = await echoJson(res);
    expect(seen.headers['x-gone']).toBeUndefined();
    expect(seen.headers['x-set']).toBe('new');
    expect(seen.headers['x-absent']).toBeUndefined();
    expect(seen.headers['x-added']).toBe('1');
    expect(seen.headers['x-multi']).toBe('a, b');
  });
  it('replaces the upstream path with a uri_captures template and the upstream Host', async () => {
    const seen = await echoJson(await node.send('/rewrite/a/b?q=1'));
    expect(seen.url).toBe('/new/a/b?q=1');
    expect(seen.headers.host).toBe('rewritten.example');
    expect((await echoJson(await node.send('/rewrite'))).path).toBe('/new');
  });
  it("takes the captures from an expression route's http.path regex", () => {
    const route = { expression: '(http.path == "/p") || (http.path ~ "^/p(/.*)")' };
    expect(uriCaptures(route, '/p/three')).toEqual(['/three']);
    expect(uriCaptures(route, '/p')).toEqual([]);
  });
  it("renders KIC's prefix-rewrite templates, with and without a capture", () => {
    const strip = '$(uri_captures[1] == nil and "/" or uri_captures[1])';
    expect(renderUriTemplate(strip, ['/three'])).toBe('/three');
    expect(renderUriTemplate(strip, [])).toBe('/');
    const root = '/one$(uri_captures[1] == nil and "" or "/" .. uri_captures[1])';
    expect(renderUriTemplate(root, ['a/b'])).toBe('/one/a/b');
    expect(renderUriTemplate(root, [])).toBe('/one');
  });
  it("adds headers to Kong's own answers (a redirect by request-termination)", async () => {
    const res = await node.send('/moved');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://example.org:8080/x');
  });
  it('redirect keeps the incoming path and query with keep_incoming_path', async () => {
    const res = await node.send('/redirect-keep?a=1');
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('https://example.org:8443/redirect-keep?a=1');
  });
});

describe('rate-limiting (local)', () => {
  it('counts per ip within the window and answers 429 with Kong headers', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await node.send('/limited');
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers.get('x-ratelimit-limit-year')).toBe('3');
        expect(last.headers.get('x-ratelimit-remaining-year')).toBe('2');
        expect(last.headers.get('ratelimit-limit')).toBe('3');
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(await last!.json()).toEqual({ message: 'API rate limit exceeded' });
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('x-ratelimit-remaining-year')).toBe('0');
  });
  it('applies a consumer-scoped instance over the route one (most specific wins)', async () => {
    // alice: the route's 5/hour; carol: her own 100/minute instance.
    const alice = await node.send('/limited-consumer', { headers: { apikey: 'alice-key' } });
    expect(alice.status).toBe(200);
    expect(alice.headers.get('x-ratelimit-limit-hour')).toBe('5');
    const carol = await node.send('/limited-consumer', { headers: { apikey: 'carol-key' } });
    expect(carol.status).toBe(200);
    expect(carol.headers.get('x-ratelimit-limit-minute')).toBe('100');
    expect(carol.headers.get('x-ratelimit-limit-hour')).toBeNull();
  });
});

it('treats every other plugin as pass-through', async () => {
  expect((await node.send('/passthrough')).status).toBe(200);
});
