import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { BuildStore } from '../../queue/store/build-store.ts';
import { freePort } from '../../testing/free-port.ts';
import { type LocalRedis, startLocalRedis } from '../../testing/redis-server.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectlApply } from '../helpers/kube.ts';
import { entities, servedConfig } from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';

const route = (namespace: string, name: string) => `
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${namespace} }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  ingressClassName: kong
  rules:
    - host: ${name}.example
      http:
        paths: [{ path: /${name}, pathType: Prefix, backend: { service: { name: ${name}, port: { number: 80 } } } }]
`;

interface Readiness {
  status: number;
  body: { ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> };
}

async function readiness(baseUrl: string): Promise<Readiness> {
  const response = await fetch(`${baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

/** Why a 503 is a 503: the failing checks with their details. */
const reasons = (body: Readiness['body']) =>
  Object.entries(body.checks)
    .filter(([, check]) => !check.ok)
    .map(([name, check]) => `${name}: ${check.detail ?? 'not ok'}`);

describe('a controller started while Redis is unavailable (issue 12, defect 1)', () => {
  const h = pipelineHarness('redis-late');
  let redis: LocalRedis | undefined;
  afterAll(async () => {
    await h.controller?.stop();
    await redis?.stop();
  });

  it('says 503 with a reason until Redis answers, then lists, builds and ships every change', async () => {
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    const proxies = h.proxies();
    const names = Array.from({ length: 12 }, (_, i) => `late-${i}`);
    const controller = await h.startController({ KONG_FLEET_REDIS_URL: redisUrl });

    // Half of the changes happen while Redis is away; the controller must not lose them.
    await kubectlApply(
      names
        .slice(0, 6)
        .map((name) => route(h.namespace, name))
        .join('\n---\n'),
    );
    const absentSince = Date.now();
    const whileAbsent: Readiness[] = [];
    // Redis stays away for 15 s of the controller's life, sampled the whole time.
    while (Date.now() - absentSince < 15_000) {
      whileAbsent.push(await readiness(controller.baseUrl));
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(whileAbsent.length).toBeGreaterThan(5);
    for (const sample of whileAbsent) {
      expect(sample.status, JSON.stringify(sample.body)).toBe(503);
      expect(reasons(sample.body).join('; ')).toMatch(/redis/i);
    }

    redis = await startLocalRedis({ port });
    await kubectlApply(
      names
        .slice(6)
        .map((name) => route(h.namespace, name))
        .join('\n---\n'),
    );

    await eventually(() => controller.stdout().includes('all informers listed'), {
      timeoutMs: 60_000,
      description: '"all informers listed" in the controller log',
    });
    const paths = async (proxy: (typeof proxies)[number]) =>
      entities(await servedConfig(h.client, proxy, h.serverName), 'routes').flatMap(
        (r) => r.paths as string[],
      );
    await eventually(
      async () => {
        for (const proxy of proxies) {
          const served = await paths(proxy);
          if (!names.every((name) => served.some((path) => path.includes(`/${name}`)))) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: `every proxy to serve all ${names.length} routes` },
    );
    const client = new Redis(redisUrl);
    try {
      const desired = (await new BuildStore({ redis: client, prefix: h.prefix }).desired())?.hash;
      expect(desired).toBeTruthy();
      for (const proxy of proxies) expect((await proxy.state()).configurationHash).toBe(desired);
    } finally {
      client.disconnect();
    }
    const ready = await eventually(
      async () => {
        const sample = await readiness(controller.baseUrl);
        return sample.status === 200 ? sample : undefined;
      },
      { timeoutMs: 30_000, description: '/readyz to say 200 once Redis answers' },
    );
    expect(ready.body.checks.redis?.ok).toBe(true);
  });
});
