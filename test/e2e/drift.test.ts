import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_CONFIG_HASH } from '@kong-fleet/kong-dbless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport, ProxyDriftEntry } from '../../domain/drift.ts';
import { instanceName } from '../../k8s/proxy-instances.ts';
import { runCli } from '../helpers/cli.ts';
import { echoApp } from '../helpers/echo-app.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubeconfigPath, kubectl, kubectlApply } from '../helpers/kube.ts';
import { waitForConvergence } from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';
import { redisUrl } from '../helpers/redis.ts';

interface InstanceRow {
  name: string;
  state?: string;
  actualHash?: string;
  desiredHash?: string;
  synced?: string;
}

describe('drift checks, reports and ProxyInstance status', () => {
  const h = pipelineHarness('drift');
  let namespace: string;
  let prefix: string;
  /** Holds the viewer token the HTTP API asks for. */
  let tokenDir: string;
  const API_TOKEN = 'drift-test-api-token';
  afterAll(async () => {
    if (tokenDir) await rm(tokenDir, { recursive: true, force: true });
  });
  const cliEnv = () => ({ KONG_FLEET_REDIS_URL: redisUrl(), KONG_FLEET_QUEUE_PREFIX: prefix });

  /** Reports newer than `afterId`, oldest first, read through the CLI an operator would use. */
  async function reportsAfter(afterId: string | undefined): Promise<DriftReport[]> {
    const { code, stdout } = await runCli(['drift-report', '--json', '--since', '10m'], cliEnv());
    expect(code).toBe(0);
    const reports = (JSON.parse(stdout) as DriftReport[]).reverse();
    return afterId ? reports.filter((report) => report.id! > afterId) : reports;
  }

  async function entryFor(
    proxy: string,
    afterId: string | undefined,
    match: (entry: ProxyDriftEntry) => boolean,
  ) {
    return eventually(
      async () => {
        for (const report of await reportsAfter(afterId)) {
          const entry = report.proxies.find((e) => e.proxy === proxy);
          if (entry && match(entry)) return { report, entry };
        }
        return undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, description: `a drift report entry for ${proxy}` },
    );
  }

  /** What an operator does to change the fleet's repair mode. */
  const setRepairMode = (mode: 'enforce' | 'warn' | 'disabled') =>
    kubectl([
      'patch',
      'proxyfleet',
      'default',
      '-n',
      namespace,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { repairMode: mode } }),
    ]);

  async function instances(): Promise<Map<string, InstanceRow>> {
    const out = await kubectl(['get', 'proxyinstances', '-n', namespace, '-o', 'json']);
    const items = (
      JSON.parse(out) as { items: { metadata: { name: string }; status?: Record<string, unknown> }[] }
    ).items;
    return new Map(
      items.map((item) => [
        item.metadata.name,
        {
          name: item.metadata.name,
          state: item.status?.state as string | undefined,
          actualHash: item.status?.actualHash as string | undefined,
          desiredHash: item.status?.desiredHash as string | undefined,
          synced: (item.status?.conditions as { type: string; status: string }[] | undefined)?.find(
            (c) => c.type === 'Synced',
          )?.status,
        },
      ]),
    );
  }

  beforeAll(async () => {
    ({ namespace, prefix } = h);
    tokenDir = await mkdtemp(join(tmpdir(), 'kf-drift-token-'));
    await writeFile(join(tokenDir, 'token'), API_TOKEN, { mode: 0o600 });
    await h.startController({
      KONG_FLEET_DRIFT_INTERVAL: '1s',
      // These tests are about the drift check's own repairs and reports: without the status probe
      // (test/e2e/restart-repair.test.ts), which would repair a restarted proxy before a check sees it.
      KONG_FLEET_STATUS_PROBE_INTERVAL: '0',
      KONG_FLEET_NAMESPACE: namespace,
      KONG_FLEET_BOARD_TOKEN_FILE: join(tokenDir, 'token'),
    });
    // Ready once every informer has listed: the app must arrive as a change (what event_to_synced measures),
    // not in the first list, which a slow start on a busy machine would otherwise let it join.
    await eventually(async () => (await fetch(`${h.controller!.baseUrl}/readyz`)).ok, {
      timeoutMs: 60_000,
      description: 'the controller to be ready',
    });
    await kubectlApply(echoApp({ namespace }));
    await waitForConvergence(prefix, h.proxies());
  });

  it('keeps one ProxyInstance per proxy, with printer columns and a fleet summary kubectl wait can use', async () => {
    const desired = await waitForConvergence(prefix, h.proxies());
    await eventually(async () => {
      const rows = await instances();
      return h
        .proxies()
        .every(
          (p) =>
            rows.get(instanceName(p.id))?.state === 'Synced' &&
            rows.get(instanceName(p.id))?.actualHash === desired,
        );
    });
    const table = await kubectl(['get', 'proxyinstances', '-n', namespace]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+ADDRESS\s+STATE\s+HASH\s+LAST-SEEN\s+AGE/);
    expect(table).toContain(desired);
    await kubectl(['wait', '--for=condition=Synced', 'proxyfleet/default', '-n', namespace, '--timeout=20s']);
    const fleet = JSON.parse(await kubectl(['get', 'proxyfleet', 'default', '-n', namespace, '-o', 'json']));
    expect(fleet.status).toMatchObject({
      proxies: 3,
      syncedProxies: 3,
      summary: `3/3 proxies at hash ${desired}`,
    });
    const { stdout } = await runCli(['status'], cliEnv());
    expect(stdout).toContain(`3/3 proxies at hash ${desired}`);
  });

  it('reports a restarted proxy drifted, re-pushes it at once, and the next report shows it in sync', async () => {
    const desired = await waitForConvergence(prefix, h.proxies());
    const [victim] = h.proxies();
    const before = (await reportsAfter(undefined)).at(-1)?.id;
    await victim!.faults.restart();
    const drifted = await entryFor(victim!.id, before, (e) => e.class === 'drifted');
    expect(drifted.entry).toMatchObject({
      expectedHash: desired,
      actualHash: EMPTY_CONFIG_HASH,
      cause: 'empty',
      action: 're-pushed',
    });
    expect(drifted.entry.changes?.removed).toBeGreaterThan(0);
    const repaired = await entryFor(victim!.id, drifted.report.id, (e) => e.class === 'in-sync');
    expect(repaired.entry.actualHash).toBe(desired);
    expect((await victim!.state()).configurationHash).toBe(desired);
    const events = await kubectl([
      'get',
      'events',
      '-n',
      namespace,
      '--field-selector',
      `involvedObject.name=${instanceName(victim!.id)}`,
    ]);
    expect(events).toContain('ProxyDrifted');
  });

  it('in warn mode only reports, and kubectl shows the proxy out of sync until enforce repairs it', async () => {
    const desired = await waitForConvergence(prefix, h.proxies());
    const victim = h.proxies()[1]!;
    const name = instanceName(victim.id);
    await setRepairMode('warn');
    const before = (await reportsAfter(undefined)).at(-1)?.id;
    // The controller reads the fleet's spec at most every 5 s: wait for a report in warn mode first.
    await eventually(async () => (await reportsAfter(before)).some((r) => r.repairMode === 'warn'), {
      timeoutMs: 20_000,
    });
    const warnFrom = (await reportsAfter(undefined)).at(-1)?.id;
    await victim.faults.restart();
    const reported = await entryFor(victim.id, warnFrom, (e) => e.class === 'drifted');
    expect(reported.entry.action).toBe('reported');
    const stillDrifted = await entryFor(victim.id, reported.report.id, (e) => e.class === 'drifted');
    expect(stillDrifted.entry.action).toBe('reported');
    expect((await victim.state()).configurationHash).toBe(EMPTY_CONFIG_HASH);
    const outOfSync = await eventually(async () => {
      const row = (await instances()).get(name);
      return row?.actualHash === EMPTY_CONFIG_HASH ? row : undefined;
    });
    expect(outOfSync).toMatchObject({ state: 'Pending', synced: 'False', desiredHash: desired });

    await setRepairMode('enforce');
    await waitForConvergence(prefix, h.proxies(), { timeoutMs: 30_000 });
    const back = await eventually(async () => {
      const row = (await instances()).get(name);
      return row?.actualHash === desired ? row : undefined;
    });
    expect(back).toMatchObject({ state: 'Synced', synced: 'True' });
  });

  it('exports metrics and the fleet over HTTP', async () => {
    const before = await waitForConvergence(prefix, h.proxies());
    // A change on the settled fleet, for the change → every proxy synced histogram to observe.
    await kubectl(['annotate', 'ingress', 'echo', '-n', namespace, '--overwrite', 'konghq.com/tags=metrics']);
    const desired = await waitForConvergence(prefix, h.proxies(), { notHash: before, timeoutMs: 60_000 });
    const base = h.controller!.baseUrl;
    const metrics = await eventually(
      async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        // The app's change (applied after the controller listed) must have converged everywhere: the
        // histogram of change → every proxy synced has observed it. Waiting on Synced alone raced it.
        const converged = /^kong_fleet_event_to_synced_seconds_count [1-9]/m.test(text);
        if (/kong_fleet_proxies\{state="Synced"\} 3/.test(text) && converged) return text;
        // The gauges follow the drift checks of the repair above; on a loaded machine that takes > 10 s.
        // A timeout says which half was missing.
        const lines = text
          .split('\n')
          .filter((line) => /^kong_fleet_(proxies\{|event_to_synced_seconds_count)/.test(line));
        throw new Error(`/metrics shows ${lines.join('; ')}`);
      },
      { timeoutMs: 45_000, description: 'metrics showing 3 Synced proxies and a converged change' },
    );
    const value = (name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
    expect(value('kong_fleet_event_to_synced_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('kong_fleet_event_to_build_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('kong_fleet_drift_checks_total')).toBeGreaterThanOrEqual(1);
    // Drift checks and pushes made real requests to every proxy; restarts did not make the sum shrink.
    expect(value('kong_fleet_proxy_requests_total')).toBeGreaterThan(10);
    expect(metrics).toMatch(/kong_fleet_builds_total\{outcome="new"\} \d+/);
    const [first] = h.proxies();
    expect(metrics).toMatch(
      new RegExp(
        `^kong_fleet_pushes_total\\{proxy="${first!.id}",result="synced",reason="201"\\} \\d+$`,
        'm',
      ),
    );
    expect(metrics).toMatch(/kong_fleet_queue_jobs\{queue="push",state="waiting"\} \d+/);
    // The process's own memory and heap, for the memory questions operators ask first.
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(value('nodejs_heap_size_used_bytes')).toBeGreaterThan(1024 * 1024);

    const authorized = { headers: { authorization: `Bearer ${API_TOKEN}` } };
    const api = (await (await fetch(`${base}/api/proxies`, authorized)).json()) as {
      desired: { hash: string };
      proxies: { id: string; state: string }[];
    };
    expect(api.desired.hash).toBe(desired);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(api.proxies.sort(byId).map((p) => [p.id, p.state])).toEqual(
      h
        .proxies()
        .sort(byId)
        .map((p) => [p.id, 'Synced']),
    );
    const reports = (await (await fetch(`${base}/api/drift-reports`, authorized)).json()) as DriftReport[];
    expect(reports).toHaveLength(1);
    expect(reports[0]!.summary.total).toBe(3);
    const debug = (await (await fetch(`${base}/debug/config`, authorized)).json()) as {
      desired: { hash: string };
      config: { services: unknown[] };
    };
    expect(debug.desired.hash).toBe(desired);
    expect(debug.config.services.length).toBeGreaterThan(0);
    // Without credentials nothing but the probes and the metrics answers.
    for (const path of ['/api/proxies', '/debug/config', '/queues']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(401);
    }
  });

  it('shows what a drifted proxy runs, entity by entity, with kong-fleet diff', async () => {
    await waitForConvergence(prefix, h.proxies());
    const env = {
      ...cliEnv(),
      KONG_FLEET_KUBECONFIG: kubeconfigPath(),
      KONG_FLEET_ADMIN_TLS_CERT: h.fleet.clientFiles.cert,
      KONG_FLEET_ADMIN_TLS_KEY: h.fleet.clientFiles.key,
      KONG_FLEET_ADMIN_TLS_CA: h.fleet.clientFiles.ca,
    };
    const proxy = h.proxies()[2]!;
    const same = await runCli(['diff', proxy.id], env);
    expect(same.stdout).toContain('no difference');
    expect(same.code).toBe(0);
  });
});
