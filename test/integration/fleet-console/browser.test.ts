import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackendPods } from '../../../testing/pods/backend-pods.ts';
import { basicHeader, writeSecretFile } from '../../helpers/bull-board.ts';
import { launchChromium, localContext } from '../../helpers/chromium.ts';
import { podNetwork } from '../../helpers/cluster.ts';
import { dataPlaneStatus, echoBackend, hostIngress, startEchoBackends } from '../../helpers/echo-backends.ts';
import { eventually } from '../../helpers/eventually.ts';
import { waitForConvergence } from '../../helpers/pipeline.ts';
import { pipelineHarness } from '../../helpers/pipeline-harness.ts';

const USER = 'viewer';
const PASSWORD = 'console-password';
const SCREENSHOTS = '.test-results/fleet-console';
const REQUESTS = 24;

const manifests = (namespace: string) =>
  [
    echoBackend(namespace, 'echo', 1),
    hostIngress(namespace, 'shop', 'shop.example'),
    `
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: broken, namespace: ${namespace} }
plugin: rate-limiting
config: { minute: many }
`,
    hostIngress(namespace, 'limited', 'limited.example', { annotations: 'konghq.com/plugins: broken' }),
  ].join('---');

interface FleetAnswer {
  desired: { hash: string } | null;
  proxies: { id: string; state: string; actualHash?: string }[];
  traffic: { route: string; requests: number }[] | null;
  drift: { proxies: { proxy: string; class: string }[] }[];
}

describe.skipIf(!podNetwork())('the fleet console in headless Chromium', () => {
  const h = pipelineHarness('console', 3);
  let backends: BackendPods;
  let secrets: string;
  let baseUrl: string;
  let browser: Browser;
  let restarted: string;

  const fleet = async (): Promise<FleetAnswer> => {
    const response = await fetch(`${baseUrl}/api/fleet`, {
      headers: { authorization: basicHeader(`${USER}:${PASSWORD}`) },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as FleetAnswer;
  };

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    backends = await startEchoBackends(h.namespace, manifests(h.namespace), 1);
    secrets = await mkdtemp(join(tmpdir(), 'kf-console-'));
    const controller = await h.startController({
      KONG_FLEET_TRAFFIC_SCRAPE_INTERVAL: '1s',
      KONG_FLEET_DRIFT_INTERVAL: '2s',
      // The timeline shows what the drift check repaired: keep the status probe from repairing the restart first.
      KONG_FLEET_STATUS_PROBE_INTERVAL: '0',
      KONG_FLEET_BOARD_BASIC_AUTH_FILE: await writeSecretFile(secrets, 'basic', `${USER}:${PASSWORD}`),
    });
    baseUrl = controller.baseUrl;
    const proxies = h.pods.running();
    await waitForConvergence(h.prefix, proxies, { timeoutMs: 60_000 });
    // A restarted proxy (config lost) is what the drift check finds and repairs: the timeline's event.
    restarted = proxies[2]!.id;
    await proxies[2]!.faults.restart();
    await waitForConvergence(h.prefix, proxies, { timeoutMs: 60_000 });
    for (let i = 0; i < REQUESTS; i++)
      expect(await dataPlaneStatus(`${proxies[i % 3]!.proxyUrl}/item/${i}`, 'shop.example')).toBe(200);
    await eventually(
      async () => {
        const answer = await fleet();
        return (
          answer.proxies.length === 3 &&
          answer.proxies.every((proxy) => proxy.state === 'Synced') &&
          answer.traffic?.[0]?.requests === REQUESTS &&
          answer.drift.some((report) =>
            report.proxies.some((p) => p.proxy === restarted && p.class === 'drifted'),
          )
        );
      },
      {
        timeoutMs: 60_000,
        description: 'the console data: 3 synced proxies, the traffic, the repaired drift',
      },
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await backends?.stop();
    if (secrets) await rm(secrets, { recursive: true, force: true });
  });

  it('refuses /fleet, its files, /api/fleet and /api/traffic without credentials (401), rendering nothing', async () => {
    const context = await localContext(browser, baseUrl);
    try {
      const page = await context.newPage();
      const refusal = page.waitForResponse((response) => response.url() === `${baseUrl}/fleet`);
      const navigation = await page.goto(`${baseUrl}/fleet`).then(
        () => 'loaded',
        (err: Error) => err.message,
      );
      expect((await refusal).status()).toBe(401);
      expect(navigation).toContain('ERR_INVALID_AUTH_CREDENTIALS');
      expect(await page.locator('#proxies').count()).toBe(0);
    } finally {
      await context.close();
    }
    for (const path of ['/fleet/console.js', '/fleet/console.css', '/api/fleet', '/api/traffic'])
      expect((await fetch(`${baseUrl}${path}`)).status, path).toBe(401);
  });

  it("with credentials shows every proxy's state and hash, the traffic table and the drift timeline", async () => {
    const context = await localContext(browser, baseUrl, {
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1400, height: 1000 },
    });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      expect((await page.goto(`${baseUrl}/fleet`))?.status()).toBe(200);
      await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
      const data = await fleet();
      const desired = data.desired!.hash;
      await expect.poll(() => page.locator('#desired-hash').textContent()).toBe(desired);

      for (const proxy of h.pods.running()) {
        const row = page.locator(`#proxies tr[data-proxy="${proxy.id}"]`);
        await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('Synced');
        expect(await row.locator('td').nth(3).textContent()).toBe(desired.slice(0, 12));
        expect(await row.locator('td').nth(3).locator('code').getAttribute('title')).toBe(desired);
      }

      const trafficRow = page.locator('#traffic tbody tr').first();
      expect(await trafficRow.locator('td').first().textContent()).toContain('.shop.');
      expect(await trafficRow.locator('td').nth(2).textContent()).toBe(String(REQUESTS));
      expect(await trafficRow.locator('td').nth(3).textContent()).toBe('0.0%');
      expect(await trafficRow.locator('td').nth(5).textContent()).toMatch(/^\d+\.\d ms$/);

      expect(await page.locator('#drift-timeline .tick').count()).toBeGreaterThan(0);
      expect(await page.locator('#drift-timeline .tick .drifted').count()).toBeGreaterThan(0);
      await expect
        .poll(() => page.locator('#drift-events li.event-drifted').allTextContents())
        .toContainEqual(expect.stringContaining(`${restarted} drifted (empty) → re-pushed`));

      // What the build holds, nested entities included (the Ingress's route sits inside its service).
      const build = (await page.locator('#build').textContent()) ?? '';
      for (const part of ['1 services', 'routes', '1 upstreams', '1 targets']) expect(build).toContain(part);
      // The broken KongPlugin is not in the build; the console says which object and why.
      const dropped = await page.locator('#dropped li').allTextContents();
      expect(dropped).toContainEqual(expect.stringMatching(/KongPlugin .*\/broken — .*minute/));
      expect(build).toMatch(/[1-9]\d* dropped/);
      expect(await page.getByRole('link', { name: 'Queues (Bull Board)' }).getAttribute('href')).toBe(
        '/queues',
      );
      await page.screenshot({ path: `${SCREENSHOTS}/fleet.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
