import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOurProcess } from '../../scripts/control-plane.d/processes.ts';
import type { ControlPlaneState } from '../../scripts/control-plane.d/state.ts';
import { COMMAND_MARKS, type DemoRecord, runs } from '../../scripts/demo/state-dir.ts';
import { basicHeader } from '../helpers/bull-board.ts';
import { runCli } from '../helpers/cli.ts';
import { eventually } from '../helpers/eventually.ts';

const DEMO_ENTRY = fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url));
/** The proxies are the Kong Deployment's pods: kong-<ReplicaSet hash>-<suffix>. */
const POD_ROW = /^\s+kong-[a-z0-9]+-[a-z0-9]{5}\s/;

/** The printed lines between the line holding `from` and the next line holding `to`. */
function between(output: string, from: string, to: string): string[] {
  const start = output.indexOf(from);
  const end = output.indexOf(to, start);
  if (start < 0 || end < 0) return [];
  return output.slice(start, end).split('\n').slice(1);
}

const capture = (output: string, pattern: RegExp): string => {
  const match = pattern.exec(output);
  if (!match?.[1]) throw new Error(`the demo printed nothing matching ${pattern}:\n${output}`);
  return match[1];
};

interface DemoPids {
  redis: number;
  controller: number;
  etcd: number;
  apiserver: number;
  state: ControlPlaneState;
}

/** Every process the demo started outside itself, read while it runs (by pid: other tests run their own). */
function readPids(root: string): DemoPids {
  const record = JSON.parse(readFileSync(join(root, 'demo.json'), 'utf8')) as DemoRecord;
  const state = JSON.parse(
    readFileSync(join(root, 'control-plane', 'state.json'), 'utf8'),
  ) as ControlPlaneState;
  if (!record.redis || !record.controller) throw new Error(`demo.json lacks pids: ${JSON.stringify(record)}`);
  return {
    redis: record.redis.pid,
    controller: record.controller,
    etcd: state.pids.etcd,
    apiserver: state.pids.apiserver,
    state,
  };
}

function alive(pids: DemoPids, port: number): Record<string, boolean> {
  return {
    redis: runs(pids.redis, COMMAND_MARKS.redis(port)),
    controller: runs(pids.controller, COMMAND_MARKS.controller),
    etcd: isOurProcess(pids.etcd, pids.state.binaries.etcd),
    apiserver: isOurProcess(pids.apiserver, pids.state.binaries.kubeApiserver),
  };
}

describe('npm run demo', () => {
  let root: string;
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  let exited: Promise<number | string>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kf-demo-test-'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('KONG_FLEET_')),
    );
    child = spawn(process.execPath, [DEMO_ENTRY], {
      env: { ...env, KONG_FLEET_DEMO_DIR: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? '?')));
  });

  afterAll(async () => {
    // A failed assertion must not leave a control plane or Redis behind: stop it the way a user would.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(root, { recursive: true, force: true });
  });

  it('starts everything, shows the fleet Synced and Bull Board behind the printed credentials, repairs a broken proxy, and stops everything on Ctrl-C', async () => {
    await eventually(
      () => {
        if (child.exitCode !== null) throw new Error(`the demo exited early:\n${stdout}\n${stderr}`);
        return stdout.includes('Ctrl-C to stop');
      },
      { timeoutMs: 180_000, intervalMs: 200, description: `the demo's summary (so far:\n${stdout})` },
    );

    // Every step announced with its duration.
    for (const step of [
      'prerequisites',
      'control plane',
      'Redis',
      '3 simulated Kong proxies',
      'example manifests',
      'controller',
      'convergence',
    ]) {
      expect(stdout).toMatch(new RegExp(`✓ ${step}: .* \\(\\d+\\.\\d s\\)`));
    }

    // The fleet table (kong-fleet status) and the ProxyInstances both say: 3 proxies Synced on one hash.
    const hash = capture(stdout, /3\/3 proxies at hash ([0-9a-f]{32})/);
    const fleetRows = between(stdout, 'Fleet (', 'ProxyInstances (').filter((line) => POD_ROW.test(line));
    expect(fleetRows).toHaveLength(3);
    for (const row of fleetRows) expect(row).toMatch(new RegExp(`\\sSynced\\s+${hash.slice(0, 12)}\\s`));
    const instanceRows = between(stdout, 'ProxyInstances (', 'Proxy pods (').filter((line) =>
      POD_ROW.test(line),
    );
    expect(instanceRows).toHaveLength(3);
    for (const row of instanceRows) expect(row).toMatch(new RegExp(`\\sSynced\\s+${hash}\\s`));

    // Bull Board: the printed credentials open it, nothing else does.
    const board = capture(stdout, /Bull Board:\s+(\S+)/);
    const user = capture(stdout, /basic auth: user (\S+),/);
    const password = capture(stdout, /basic auth: user \S+, password (\S+)/);
    const token = capture(stdout, /Authorization: Bearer (\S+)/);
    expect((await fetch(board)).status).toBe(401);
    expect((await fetch(board, { headers: { authorization: basicHeader(`${user}:wrong`) } })).status).toBe(
      401,
    );
    const withBasic = await fetch(board, { headers: { authorization: basicHeader(`${user}:${password}`) } });
    expect(withBasic.status).toBe(200);
    expect(await withBasic.text()).toContain('<html');
    expect((await fetch(board, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    for (const file of ['board-token', 'board-basic-auth']) {
      expect((await stat(join(root, file))).mode & 0o777).toBe(0o600);
    }
    const metrics = await fetch(capture(stdout, /Metrics:\s+(\S+)/));
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('kong_fleet_builds_total');

    // The printed URLs are pod IPs, reached through the pod network's route.
    const podRows = between(stdout, 'Proxy pods (', 'Bull Board:').filter((line) => POD_ROW.test(line));
    expect(podRows).toHaveLength(3);
    const statusUrl = capture(podRows[0]!, /(http:\/\/10\.\d+\.\d+\.\d+:8100)/);
    expect((await fetch(`${statusUrl}/status/ready`)).status).toBe(200);

    // The printed fault command breaks the first pod; drift repairs it, and the printed drift-report shows it.
    const restart = capture(stdout, /curl -s -X POST (\S+\/proxies\/kong-\S+\/faults\/restart)/);
    const proxy0 = restart.replace(/\/faults\/restart$/, '');
    const name = proxy0.slice(proxy0.lastIndexOf('/') + 1);
    expect((await fetch(restart, { method: 'POST' })).status).toBe(200);
    await eventually(
      async () =>
        ((await (await fetch(proxy0)).json()) as { configurationHash: string }).configurationHash === hash,
      { timeoutMs: 20_000, intervalMs: 200, description: 'drift to re-push proxy-0' },
    );
    const redisUrl = capture(stdout, /export KONG_FLEET_REDIS_URL=(\S+)/);
    const report = await runCli(['drift-report', '--since', '1m'], { KONG_FLEET_REDIS_URL: redisUrl });
    expect(report.code).toBe(0);
    // The status probe (every 500 ms) usually repairs the restart before a drift check sees it; when a drift
    // check did see it, the report says it re-pushed the empty proxy.
    const seen = report.stdout.split('\n').filter((line) => line.includes(name) && line.includes('drifted'));
    for (const line of seen) expect(line).toMatch(/drifted\s+empty\s+re-pushed/);

    // Ctrl-C: everything stops, in order, the state folder goes, exit 0.
    const pids = readPids(root);
    const redisPort = Number(new URL(redisUrl).port);
    expect(alive(pids, redisPort)).toEqual({ redis: true, controller: true, etcd: true, apiserver: true });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const stopping = stdout.slice(stdout.indexOf('Ctrl-C to stop'));
    expect(stopping).toMatch(
      /stopped controller[\s\S]*stopped simulated proxies[\s\S]*stopped Redis[\s\S]*stopped control plane[\s\S]*\nstopped\n/,
    );
    expect(alive(pids, redisPort)).toEqual({
      redis: false,
      controller: false,
      etcd: false,
      apiserver: false,
    });
    expect(existsSync(root)).toBe(false);
    expect(stderr).toBe('');
  }, 300_000);
});
