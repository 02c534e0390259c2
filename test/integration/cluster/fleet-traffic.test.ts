import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../../../kong/traffic/prometheus-text.ts';
import type { BackendPods } from '../../../testing/pods/backend-pods.ts';
import type { ProxyPod } from '../../../testing/pods/proxy-pods.ts';
import { writeSecretFile } from '../../helpers/bull-board.ts';
import { runCli } from '../../helpers/cli.ts';
import { podNetwork } from '../../helpers/cluster.ts';
import { dataPlaneStatus, echoBackend, hostIngress, startEchoBackends } from '../../helpers/echo-backends.ts';
import { eventually } from '../../helpers/eventually.ts';
import { kubeconfigPath } from '../../helpers/kube.ts';
import { waitForConvergence } from '../../helpers/pipeline.ts';
import { pipelineHarness } from '../../helpers/pipeline-harness.ts';
import { redisUrl } from '../../helpers/redis.ts';

const TOKEN = 'fleet-traffic-viewer-token';

const manifests = (namespace: string) =>
  [
    echoBackend(namespace, 'echo', 1),
    hostIngress(namespace, 'route-a', 'a.example'),
    hostIngress(namespace, 'route-b', 'b.example'),
  ].join('---');

interface TrafficAnswer {
  routes: { route: string; requests: number }[];
  scrapes: { proxy: string; lastSuccessAt?: string; failures: number }[];
}

describe.skipIf(!podNetwork())('fleet traffic: every proxy scraped, summed once, across a restart', () => {
  const h = pipelineHarness('fleet-traffic', 3);
  let backends: BackendPods;
  let secrets: string;
  let baseUrl: string;

  beforeAll(async () => {
    backends = await startEchoBackends(h.namespace, manifests(h.namespace), 1);
    secrets = await mkdtemp(join(tmpdir(), 'kf-fleet-traffic-'));
    const controller = await h.startController({
      KONG_FLEET_TRAFFIC_SCRAPE_INTERVAL: '1s',
      KONG_FLEET_DRIFT_INTERVAL: '2s',
      KONG_FLEET_BOARD_TOKEN_FILE: await writeSecretFile(secrets, 'token', TOKEN),
    });
    baseUrl = controller.baseUrl;
  });

  afterAll(async () => {
    await backends?.stop();
    if (secrets) await rm(secrets, { recursive: true, force: true });
  });

  /** Every proxy serves route B (route A is in the same build; probing A would add to what is counted). */
  async function serving(proxies: readonly ProxyPod[]): Promise<void> {
    await waitForConvergence(h.prefix, proxies, { timeoutMs: 60_000 });
    for (const proxy of proxies)
      await eventually(async () => (await dataPlaneStatus(`${proxy.proxyUrl}/probe`, 'b.example')) === 200, {
        timeoutMs: 60_000,
        description: `${proxy.name} serves route B`,
      });
  }

  /** N requests to route A, round-robin over the proxies; every one answered 200 by the echo pod. */
  async function sendToA(proxies: readonly ProxyPod[], count: number): Promise<void> {
    for (let i = 0; i < count; i++)
      expect(await dataPlaneStatus(`${proxies[i % proxies.length]!.proxyUrl}/a/${i}`, 'a.example')).toBe(200);
  }

  const traffic = async (): Promise<TrafficAnswer> => {
    const response = await fetch(`${baseUrl}/api/traffic`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as TrafficAnswer;
  };

  /** kong_fleet_http_requests_total on the controller's /metrics, summed over codes, for routes matching. */
  async function fleetRequests(
    route: (name: string) => boolean,
  ): Promise<{ total: number; labels: string[] }> {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const samples = parseExposition(text).samples.filter(
      (sample) => sample.name === 'kong_fleet_http_requests_total' && route(sample.labels.route ?? ''),
    );
    return {
      total: samples.reduce((sum, sample) => sum + sample.value, 0),
      labels: [...new Set(samples.flatMap((sample) => Object.keys(sample.labels)))].sort(),
    };
  }

  /** Resolves once every proxy has been scraped successfully after `sinceMs`. */
  async function scrapedAfter(proxies: readonly ProxyPod[], sinceMs: number): Promise<void> {
    await eventually(
      async () => {
        const { scrapes } = await traffic();
        return proxies.every((proxy) => {
          const scrape = scrapes.find((s) => s.proxy === proxy.id);
          return scrape?.lastSuccessAt !== undefined && Date.parse(scrape.lastSuccessAt) > sinceMs;
        });
      },
      { timeoutMs: 30_000, description: 'a successful scrape of every proxy after the requests' },
    );
  }

  it('counts N requests to route A through 3 proxies exactly once, one proxy restarted in between', async () => {
    const proxies = h.pods.running();
    expect(proxies).toHaveLength(3);
    await serving(proxies);
    const isA = (name: string) => name.includes('.route-a.');

    const before = 30;
    await sendToA(proxies, before);
    // The reset detection keeps what a proxy counted before its restart only if a scrape saw it: wait
    // until the fleet total holds all of phase one (it must never exceed it) before restarting.
    await eventually(
      async () => {
        const { total } = await fleetRequests(isA);
        expect(total).toBeLessThanOrEqual(before);
        return total === before;
      },
      { timeoutMs: 30_000, description: `the fleet total of route A to reach ${before}` },
    );

    const restarted = proxies[1]!;
    await restarted.faults.restart();
    // It lost its config and counters; the controller's drift check restores the config.
    expect((await restarted.state()).configurationHash).toMatch(/^0+$/);
    await serving(proxies);

    const after = 33;
    await sendToA(proxies, after);
    const sent = Date.now();
    await scrapedAfter(proxies, sent);
    // /metrics reuses the fleet totals it read within the last second, so the scrapes just seen may show a
    // moment later; never more than was sent, and exactly that once they show.
    const fleet = await eventually(
      async () => {
        const current = await fleetRequests(isA);
        expect(current.total).toBeLessThanOrEqual(before + after);
        return current.total === before + after ? current : undefined;
      },
      { timeoutMs: 10_000, description: `the fleet total of route A to reach ${before + after}` },
    );
    expect(fleet.total).toBe(before + after);
    // No per-proxy label on the fleet series.
    expect(fleet.labels).toEqual(['code', 'route', 'service']);
    // Route B got only the probes, counted apart.
    expect((await fleetRequests((name) => name.includes('.route-b.'))).total).toBeGreaterThanOrEqual(
      proxies.length,
    );

    // The restart was seen as a reset (not as negative traffic, not as 33 + 30 again).
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    const resets = parseExposition(metrics).samples.find(
      (s) => s.name === 'kong_fleet_traffic_proxy_resets_total',
    );
    expect(resets?.value).toBeGreaterThanOrEqual(1);

    // The same numbers through /api/traffic and `kong-fleet top`.
    const api = await traffic();
    const rowA = api.routes.find((row) => isA(row.route));
    expect(rowA?.requests).toBe(before + after);
    const top = await runCli(['top', '--json'], {
      KONG_FLEET_REDIS_URL: redisUrl(),
      KONG_FLEET_QUEUE_PREFIX: h.prefix,
      KONG_FLEET_KUBECONFIG: kubeconfigPath(),
    });
    expect(top.code, top.stderr).toBe(0);
    const topA = (JSON.parse(top.stdout) as TrafficAnswer).routes.find((row) => isA(row.route));
    expect(topA?.requests).toBe(before + after);
    const human = await runCli(['top', '--since', '10m'], {
      KONG_FLEET_REDIS_URL: redisUrl(),
      KONG_FLEET_QUEUE_PREFIX: h.prefix,
      KONG_FLEET_KUBECONFIG: kubeconfigPath(),
    });
    expect(human.stdout).toMatch(/ROUTE\s+SERVICE\s+REQUESTS\s+5XX\s+4XX\s+P95/);
    const lineA = human.stdout.split('\n').find((line) => isA(line));
    expect(lineA).toMatch(new RegExp(`\\s${before + after}\\s`));
  });
});
