import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../../jobs/index.ts';
import { trafficScrape } from '../../../jobs/traffic-scrape.ts';
import { StatusMetricsClient } from '../../../kong/admin/status-metrics.ts';
import { TrafficStore } from '../../../queue/store/traffic-store.ts';
import { freePort } from '../../../testing/free-port.ts';
import type { Runtime } from '../../../workers/runtime.ts';
import { jobInState } from '../../helpers/jobs.ts';
import { freshNamespace } from '../../helpers/kube.ts';
import { type TestPipeline, testPipeline } from '../../helpers/pipeline-deps.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../../helpers/redis.ts';
import { testRuntime } from '../../helpers/runtime.ts';

const INTERVAL_MS = 60_000;

/** A Status API on a loopback address: answers /metrics with `body()`, or never when `hang`. */
async function statusApi(host: string, port: number, body: () => string, hang = false): Promise<Server> {
  const server = createServer((req, res) => {
    if (hang) return; // accepts, never answers
    if (req.url !== '/metrics') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body());
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}

describe('traffic-scrape job against real Status API servers', () => {
  const prefix = uniquePrefix('traffic-scrape');
  let pipeline: TestPipeline;
  let runtime: Runtime | undefined;
  let port: number;
  const servers: Server[] = [];
  const scraper = new StatusMetricsClient();
  let requests = 7;

  beforeAll(async () => {
    pipeline = testPipeline(prefix, { namespace: await freshNamespace('traffic-scrape') });
    port = await freePort('127.0.0.2');
    const exposition = () =>
      [
        'kong_node_info{node_id="n1",version="3.9.0"} 1',
        `kong_http_requests_total{service="s",route="r",code="200",source="service",workspace="default",consumer=""} ${requests}`,
      ].join('\n');
    servers.push(await statusApi('127.0.0.2', port, exposition));
    servers.push(await statusApi('127.0.0.4', port, exposition, true));
    // 127.0.0.3: nothing listens there.
    await pipeline.registry.replaceSource(
      'Static',
      ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((host, i) => ({
        id: `kong-${i}`,
        adminUrl: `https://${host}:8444`,
        source: 'Static' as const,
      })),
    );
  });

  afterEach(async () => {
    await runtime?.stop('test done');
    runtime = undefined;
  });

  afterAll(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await scraper.close();
    await pipeline.close();
    await deleteKeysWithPrefix(prefix);
  });

  it('counts the proxy that answers, records the refused and the hung one, once per interval', async () => {
    runtime = testRuntime({
      prefix,
      jobs,
      roles: ['drift'],
      deps: (io) => ({
        ...pipeline.deps(io),
        traffic: {
          store: new TrafficStore({ redis: io.redis, prefix }),
          scraper,
          statusPort: port,
          intervalMs: INTERVAL_MS,
        },
      }),
    });
    await runtime.start();
    const started = Date.now();
    const first = await jobInState(
      pipeline.producer.queue('traffic-scrape'),
      (await pipeline.producer.enqueue(trafficScrape, {}))!,
      'completed',
      20_000,
    );
    // The hung proxy costs its deadline (3 s), not the others' scrapes and not the job.
    expect(first.returnvalue).toEqual({ applied: 1, failed: 2, skipped: 0 });
    expect(Date.now() - started).toBeLessThan(15_000);

    const store = new TrafficStore({ redis: runtime.redis, prefix });
    expect(await store.totals()).toEqual({
      'kong_fleet_http_requests_total{service="s",route="r",code="200"}': 7,
    });
    const [ok, refused, hung] = await store.scrapeStatus(['kong-0', 'kong-1', 'kong-2']);
    expect(ok).toMatchObject({ failures: 0 });
    expect(refused).toMatchObject({ failures: 1, lastError: expect.stringContaining('ECONNREFUSED') });
    expect(hung).toMatchObject({ failures: 1, lastError: expect.stringContaining('within 3000 ms') });

    // Within the same interval every proxy is already claimed: a second run (a retry, another
    // replica's schedule) scrapes nobody and counts nothing twice.
    requests = 10;
    const second = await jobInState(
      pipeline.producer.queue('traffic-scrape'),
      (await pipeline.producer.enqueue(trafficScrape, {}))!,
      'completed',
      20_000,
    );
    expect(second.returnvalue).toEqual({ applied: 0, failed: 0, skipped: 3 });
    expect(Object.values(await store.totals())).toEqual([7]);
  });
});
