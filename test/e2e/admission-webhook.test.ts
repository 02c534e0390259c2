import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, createServerCertificate } from '@kong-fleet/kong-dbless/simulator';
import { describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.ts';
import { eventually } from '../helpers/eventually.ts';
import { redisUrl, uniquePrefix } from '../helpers/redis.ts';

const review = (object: unknown) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'review-1', operation: 'CREATE', object },
});

const kongPlugin = (minute: unknown) => ({
  apiVersion: 'configuration.konghq.com/v1',
  kind: 'KongPlugin',
  metadata: { name: 'limit', namespace: 'default' },
  plugin: 'rate-limiting',
  config: { minute },
});

/** POSTs an AdmissionReview over TLS verified against `ca`; resolves to the parsed answer. */
function post(
  url: string,
  ca: Buffer,
  body: unknown,
): Promise<{ response: { uid: string; allowed: boolean; status?: { message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/validate`,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(text))
            : reject(new Error(`${res.statusCode}: ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('kong-fleet run with KONG_FLEET_WEBHOOK_PORT', () => {
  it("serves the admission webhook over HTTPS and refuses a broken KongPlugin with Kong's message", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kf-webhook-cli-'));
    const ca = await createCa(dir);
    const server = await createServerCertificate(ca, { commonName: '127.0.0.1', altNames: ['127.0.0.1'] });
    const cli = startCli(['run', '--http-port', '0', '--http-host', '127.0.0.1'], {
      KONG_FLEET_REDIS_URL: redisUrl(),
      KONG_FLEET_QUEUE_PREFIX: uniquePrefix('webhook-cli'),
      KONG_FLEET_WEBHOOK_PORT: '0',
      KONG_FLEET_WEBHOOK_HOST: '127.0.0.1',
      KONG_FLEET_WEBHOOK_TLS_CERT: server.cert,
      KONG_FLEET_WEBHOOK_TLS_KEY: server.key,
    });
    try {
      const url = await eventually(
        () =>
          /"msg":"admission webhook listening"/.test(cli.stdout()) &&
          /"url":"(https:[^"]+)"/.exec(cli.stdout())?.[1],
        { description: 'the webhook address in the log' },
      );
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const caCert = await readFile(ca.cert);
      const refused = await post(url as string, caCert, review(kongPlugin('lots')));
      expect(refused.response).toMatchObject({ uid: 'review-1', allowed: false });
      expect(refused.response.status?.message).toContain('config.minute: expected a number');
      expect((await post(url as string, caCert, review(kongPlugin(5)))).response).toEqual({
        uid: 'review-1',
        allowed: true,
      });
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
