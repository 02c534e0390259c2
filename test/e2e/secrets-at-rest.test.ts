import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../kong/canonical.ts';
import { parseKeyRing, SealedValues } from '../../queue/store/sealed-values.ts';
import { runCli } from '../helpers/cli.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubeconfigPath, kubectl, kubectlApply } from '../helpers/kube.ts';
import { desiredHash, servedConfig, waitForConvergence } from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';
import { redisUrl } from '../helpers/redis.ts';

const random = (label: string) => `${label}-${randomBytes(16).toString('hex')}`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const keyLine = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

/** Every key of the whole Redis (not only this prefix), every type read in full, as one text. */
async function everythingInRedis(redis: Redis): Promise<{ keys: number; text: string }> {
  const parts: string[] = [];
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      keys++;
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return { keys, text: parts.join('\n') };
}

describe('secrets stay secret: redaction by provenance, only referenced Secrets, sealed at rest', () => {
  const h = pipelineHarness('secrets', 2);
  const bearer = `Bearer ${random('token')}`;
  const apiKey = random('apikey');
  const unrelated = random('db-password');
  /** A value Kong's validator refuses (the plugin's Event must describe the error without it). */
  const brokenValue = random('notanurl');
  const secrets = [bearer, apiKey, unrelated, brokenValue];
  const TOKEN = random('viewer');
  let dir: string;
  let keyFile: string;
  let redis: Redis;
  const firstKey = keyLine('k1');

  const manifests = (namespace: string) => `
apiVersion: v1
kind: Secret
metadata: { name: unrelated-db-password, namespace: ${namespace} }
type: Opaque
data: { password: ${b64(unrelated)} }
---
apiVersion: v1
kind: Secret
metadata: { name: log-conf, namespace: ${namespace} }
type: Opaque
data:
  config: ${b64(JSON.stringify({ http_endpoint: 'http://logs.example/ingest', headers: { Authorization: bearer } }))}
  broken: ${b64(JSON.stringify({ minute: 5, policy: brokenValue }))}
---
apiVersion: v1
kind: Secret
metadata:
  name: alice-key
  namespace: ${namespace}
  labels: { konghq.com/credential: key-auth }
type: Opaque
data: { key: ${b64(apiKey)} }
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: log-to-collector, namespace: ${namespace} }
plugin: http-log
configFrom: { secretKeyRef: { name: log-conf, key: config } }
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: broken-limit, namespace: ${namespace} }
plugin: rate-limiting
configFrom: { secretKeyRef: { name: log-conf, key: broken } }
---
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: alice
  namespace: ${namespace}
  annotations: { kubernetes.io/ingress.class: kong }
username: alice
credentials: [alice-key]
---
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: ${namespace} }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: echo
  namespace: ${namespace}
  annotations: { konghq.com/plugins: log-to-collector }
spec:
  ingressClassName: kong
  rules:
    - http:
        paths:
          - { path: /echo, pathType: Prefix, backend: { service: { name: echo, port: { number: 80 } } } }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: limited
  namespace: ${namespace}
  annotations: { konghq.com/plugins: broken-limit }
spec:
  ingressClassName: kong
  rules:
    - http:
        paths:
          - { path: /limited, pathType: Prefix, backend: { service: { name: echo, port: { number: 80 } } } }
`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kf-secrets-'));
    keyFile = join(dir, 'storage-keys');
    await writeFile(keyFile, `${firstKey}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'token'), TOKEN, { mode: 0o600 });
    redis = new Redis(redisUrl());
    await h.startController({
      KONG_FLEET_STORAGE_KEY_FILE: keyFile,
      KONG_FLEET_BOARD_TOKEN_FILE: join(dir, 'token'),
      KONG_FLEET_NAMESPACE: h.namespace,
      // Drift is reported, not repaired: the test makes one proxy run a stale copy of the secrets.
      KONG_FLEET_REPAIR_MODE: 'warn',
      KONG_FLEET_DRIFT_INTERVAL: '1s',
    });
    await kubectlApply(manifests(h.namespace));
  });

  afterAll(async () => {
    redis?.disconnect();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cliEnv = () => ({
    KONG_FLEET_REDIS_URL: redisUrl(),
    KONG_FLEET_QUEUE_PREFIX: h.prefix,
    KONG_FLEET_KUBECONFIG: kubeconfigPath(),
    KONG_FLEET_STORAGE_KEY_FILE: keyFile,
    KONG_FLEET_ADMIN_TLS_CERT: h.fleet.clientFiles.cert,
    KONG_FLEET_ADMIN_TLS_KEY: h.fleet.clientFiles.key,
    KONG_FLEET_ADMIN_TLS_CA: h.fleet.clientFiles.ca,
  });

  it('delivers the Secret-sourced values to the proxies and shows them nowhere else', async () => {
    const proxies = h.proxies();
    const hash = await eventually(
      async () => {
        const converged = await waitForConvergence(h.prefix, proxies);
        const served = JSON.stringify(await servedConfig(h.client, proxies[0]!, h.serverName));
        return served.includes(bearer) && served.includes(apiKey) ? converged : undefined;
      },
      { timeoutMs: 60_000, description: 'the plugin and the credential on every proxy' },
    );
    for (const proxy of proxies) {
      const served = JSON.stringify(await servedConfig(h.client, proxy, h.serverName));
      expect(served).toContain(bearer);
      expect(served).toContain(apiKey);
      expect(served).not.toContain(unrelated);
    }

    // The debug config: the plugin is there, its Secret-sourced header is not.
    const authorized = { headers: { authorization: `Bearer ${TOKEN}` } };
    const debugText = await (await fetch(`${h.controller!.baseUrl}/debug/config`, authorized)).text();
    expect(debugText).toContain('http-log');
    expect(debugText).toContain('[redacted]');

    // A proxy running a stale copy of both secrets: the diff and the drift report name the
    // changes without showing either side's values.
    const stale = { bearer: `Bearer ${random('stale')}`, key: random('stalekey') };
    const desired = new SealedValues(() => parseKeyRing(firstKey)).open(
      (await redis.get(`${h.prefix}:builds:${hash}`))!,
    );
    const drifted = desired.replaceAll(bearer, stale.bearer).replaceAll(apiKey, stale.key);
    expect(drifted).not.toBe(desired);
    const victim = proxies[1]!;
    const pushed = await h.client.pushConfig(
      { adminUrl: victim.adminUrl, serverName: h.serverName },
      canonicalJson(JSON.parse(drifted)),
    );
    expect(pushed.kind).toBe('accepted');
    const diff = await runCli(['diff', victim.id, '--json'], cliEnv());
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toContain('plugins');
    const report = await eventually(
      async () => {
        const { stdout } = await runCli(['drift-report', '--json', '--since', '10m'], cliEnv());
        return stdout.includes(victim.id) && stdout.includes('drifted') ? stdout : undefined;
      },
      { timeoutMs: 30_000, description: 'a drift report naming the drifted proxy' },
    );

    // The broken plugin's Event carries Kong's message, without the value it complains about.
    const events = await eventually(
      async () => {
        const out = await kubectl(['get', 'events', '-n', h.namespace, '-o', 'json']);
        return out.includes('broken-limit') && out.includes('config.policy') ? out : undefined;
      },
      { timeoutMs: 30_000, description: 'an Event about the broken plugin' },
    );

    const everything = await everythingInRedis(redis);
    expect(everything.keys).toBeGreaterThan(10);
    const outputs = {
      debugText,
      diff: diff.stdout + diff.stderr,
      report,
      events,
      logs: h.controller!.stdout() + h.controller!.stderr(),
      redis: everything.text,
    };
    for (const [where, text] of Object.entries(outputs)) {
      for (const secret of [...secrets, stale.bearer, stale.key]) {
        expect(text.includes(secret), `${where} holds ${secret.slice(0, 12)}…`).toBe(false);
      }
    }
    // Nor the base64 forms the Secrets are written in.
    for (const secret of secrets) expect(everything.text.includes(b64(secret))).toBe(false);
  });

  it('stores only referenced Secrets, sealed, and a Secret referenced later is stored and built', async () => {
    const objects = await redis.hgetall(`${h.prefix}:state:objects`);
    const secretKeys = Object.keys(objects).filter((key) => key.startsWith('Secret/'));
    expect(secretKeys.sort()).toEqual([`Secret/${h.namespace}/alice-key`, `Secret/${h.namespace}/log-conf`]);
    for (const key of secretKeys) {
      expect(objects[key]).toMatch(/^kfs1:k1:/);
      expect(() => JSON.parse(objects[key]!)).toThrow();
    }
    const hash = (await desiredHash(h.prefix))!;
    const build = (await redis.get(`${h.prefix}:builds:${hash}`))!;
    expect(build).toMatch(/^kfs1:k1:/);
    expect(build).not.toContain('_format_version');

    // The Secret first, its reference after: nothing stored until the reference arrives.
    const later = random('later');
    await kubectlApply(`
apiVersion: v1
kind: Secret
metadata: { name: bob-key, namespace: ${h.namespace}, labels: { konghq.com/credential: key-auth } }
type: Opaque
data: { key: ${b64(later)} }
`);
    const before = await desiredHash(h.prefix);
    await kubectlApply(`
apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata:
  name: bob
  namespace: ${h.namespace}
  annotations: { kubernetes.io/ingress.class: kong }
username: bob
credentials: [bob-key]
`);
    await eventually(
      async () => {
        await waitForConvergence(h.prefix, h.proxies(), { notHash: before });
        const served = JSON.stringify(await servedConfig(h.client, h.proxies()[0]!, h.serverName));
        return served.includes(later);
      },
      { timeoutMs: 30_000, description: 'the later-referenced credential on the proxies' },
    );
    expect(await redis.hget(`${h.prefix}:state:objects`, `Secret/${h.namespace}/bob-key`)).toMatch(
      /^kfs1:k1:/,
    );
    // The reference gone, the Secret leaves the store.
    await kubectl(['delete', 'kongconsumer', 'bob', '-n', h.namespace]);
    await eventually(
      async () => (await redis.hget(`${h.prefix}:state:objects`, `Secret/${h.namespace}/bob-key`)) === null,
      { timeoutMs: 20_000, description: 'the unreferenced Secret removed from the store' },
    );
  });

  it('rotates the storage key without downtime: old entries read, new writes and reseals use the new key', async () => {
    const secondKey = keyLine('k2');
    // New key first (it writes), the old one after (it still reads).
    await writeFile(keyFile, `${secondKey}\n${firstKey}\n`);
    const objectsKey = `${h.prefix}:state:objects`;
    await eventually(
      async () => {
        const all = await redis.hgetall(objectsKey);
        const sealed = Object.entries(all).filter(([key]) => key.startsWith('Secret/'));
        return sealed.length > 0 && sealed.every(([, value]) => value.startsWith('kfs1:k2:'));
      },
      { timeoutMs: 20_000, description: 'the stored Secrets resealed with k2' },
    );
    const hashBefore = (await desiredHash(h.prefix))!;
    await eventually(
      async () => (await redis.get(`${h.prefix}:builds:${hashBefore}`))?.startsWith('kfs1:k2:') === true,
      { timeoutMs: 20_000, description: 'the desired build resealed with k2' },
    );

    // The old key leaves the file; a change still builds and reaches the proxies.
    await writeFile(keyFile, `${secondKey}\n`);
    await eventually(() => h.controller!.stdout().split('storage encryption keys reloaded').length >= 3, {
      timeoutMs: 20_000,
      description: 'the controller to reload the key file twice',
    });
    const rotated = random('rotated');
    await kubectlApply(`
apiVersion: v1
kind: Secret
metadata: { name: alice-key, namespace: ${h.namespace}, labels: { konghq.com/credential: key-auth } }
type: Opaque
data: { key: ${b64(rotated)} }
`);
    await eventually(
      async () => {
        await waitForConvergence(h.prefix, [h.proxies()[0]!], { notHash: hashBefore });
        const served = JSON.stringify(await servedConfig(h.client, h.proxies()[0]!, h.serverName));
        return served.includes(rotated);
      },
      { timeoutMs: 30_000, description: 'the rotated credential on a proxy' },
    );
    const hashAfter = (await desiredHash(h.prefix))!;
    expect(await redis.get(`${h.prefix}:builds:${hashAfter}`)).toMatch(/^kfs1:k2:/);
    expect(h.controller!.stdout()).not.toContain('not in the key ring');
  });
});
