import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../lib/wait-for.ts';
import { checkPrerequisites, versionAtLeast } from '../../../scripts/demo/prerequisites.ts';
import { defaultDemoDir } from '../../../scripts/demo/state-dir.ts';
import { renderSummary, type SummaryInput } from '../../../scripts/demo/summary.ts';
import { Teardown } from '../../../scripts/demo/teardown.ts';
import { shellQuote } from '../../../testing/shell-quote.ts';

describe('demo teardown', () => {
  it('stops the newest part first, and keeps stopping after one fails', async () => {
    const teardown = new Teardown();
    const stopped: string[] = [];
    for (const name of ['control plane', 'Redis', 'controller']) {
      teardown.add({
        name,
        stop: async () => {
          stopped.push(name);
          if (name === 'Redis') throw new Error('redis would not stop');
        },
      });
    }
    const reports: [string, string | undefined][] = [];
    await teardown.run((name, _ms, err) => reports.push([name, (err as Error | undefined)?.message]));
    expect(stopped).toEqual(['controller', 'Redis', 'control plane']);
    expect(reports).toEqual([
      ['controller', undefined],
      ['Redis', 'redis would not stop'],
      ['control plane', undefined],
    ]);
    expect(teardown.size).toBe(0);
  });

  it('kills what is left, including the part being stopped, without waiting', async () => {
    const teardown = new Teardown();
    const killed: string[] = [];
    let release: () => void = () => {};
    teardown.add({ name: 'first', stop: async () => {}, kill: () => killed.push('first') });
    teardown.add({
      name: 'slow',
      stop: () => new Promise<void>((resolve) => (release = resolve)),
      kill: () => killed.push('slow'),
    });
    const running = teardown.run(() => {});
    teardown.killAll();
    expect(killed).toEqual(['slow', 'first']);
    release();
    await running;
  });
});

describe('demo summary', () => {
  const input: SummaryInput = {
    fleetTable: '3/3 proxies at hash abc\n\nPROXY  STATE\nproxy-0  Synced\n',
    proxyInstances: 'NAME  STATE\nproxy-0  Synced\n',
    namespace: 'demo',
    controllerUrl: 'http://127.0.0.1:4000',
    board: { user: 'demo', password: 'pw', token: 'tok', tokenFile: '/d/t', basicAuthFile: '/d/b' },
    kubeconfig: '/tmp/my demo/admin.kubeconfig',
    pathDirs: ['/cache/bin', '/cache/node-24/bin'],
    redisUrl: 'redis://127.0.0.1:6400',
    controlApiUrl: 'http://127.0.0.1:5000',
    proxies: [
      {
        name: 'proxy-0',
        adminUrl: 'https://10.244.0.5:8444',
        proxyUrl: 'http://10.244.0.5:8000',
        statusUrl: 'http://10.244.0.5:8100',
      },
    ],
    driftIntervalSeconds: 5,
    cli: 'node workers/main.ts',
    controllerLog: '/d/controller.log',
    demoDir: '/d',
    workingDir: '/repo',
  };

  it('prints the tables indented, the board credentials, shell-safe exports and the fault commands', () => {
    const text = renderSummary(input);
    expect(text).toContain('\n  proxy-0  Synced\n');
    expect(text).toContain('Bull Board:  http://127.0.0.1:4000/queues/');
    expect(text).toContain('user demo, password pw');
    expect(text).toContain('Authorization: Bearer tok');
    expect(text).toContain("export KUBECONFIG='/tmp/my demo/admin.kubeconfig'");
    expect(text).toContain('export PATH=/cache/bin:/cache/node-24/bin:"$PATH"');
    expect(text).toContain('export KONG_FLEET_REDIS_URL=redis://127.0.0.1:6400');
    expect(text).toContain('curl -s -X POST http://127.0.0.1:5000/proxies/proxy-0/faults/restart');
    expect(text).toMatch(/\n {2}proxy-0 +https:\/\/10\.244\.0\.5:8444 +http:\/\/10\.244\.0\.5:8000 +http:/);
    expect(text.endsWith('Ctrl-C to stop.')).toBe(true);
    // The fault commands' comments line up.
    const commentColumns = text
      .split('\n')
      .filter((line) => line.includes('   # '))
      .map((line) => line.indexOf('   # '));
    expect(new Set(commentColumns).size).toBe(1);
  });

  it('leaves out the PATH line when the system kubectl and node are used', () => {
    expect(renderSummary({ ...input, pathDirs: [] })).not.toContain('export PATH=');
  });

  it('quotes for a POSIX shell only when needed', () => {
    expect(shellQuote('/tmp/a-b_c.d')).toBe('/tmp/a-b_c.d');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});

describe('demo prerequisites', () => {
  it('compares dotted versions numerically', () => {
    expect(versionAtLeast('1.26.8', '1.26.0')).toBe(true);
    expect(versionAtLeast('1.26', '1.26.0')).toBe(true);
    expect(versionAtLeast('1.9', '1.24')).toBe(false);
    expect(versionAtLeast('2.0', '1.99')).toBe(true);
  });

  it('names each missing tool with how to install it, and asks for Go only for a cold control-plane cache', async () => {
    const emptyCache = await mkdtemp(join(tmpdir(), 'kf-demo-cache-'));
    try {
      const report = checkPrerequisites({
        cacheRoot: emptyCache,
        env: { PATH: '/nonexistent' },
        goDirs: [],
        root: false,
      });
      expect(report.uncached).toEqual([
        expect.stringMatching(/^kube-apiserver v1\./),
        expect.stringMatching(/^kube-controller-manager v1\./),
        expect.stringMatching(/^kube-scheduler v1\./),
        expect.stringMatching(/^kwok v0\./),
        expect.stringMatching(/^etcd v3\./),
        expect.stringMatching(/^CRDs github.com\/kong\/kubernetes-configuration@/),
        expect.stringMatching(/^CRDs sigs.k8s.io\/gateway-api@/),
      ]);
      expect(report.missing.map((m) => m.what.split(' ')[0])).toEqual(['redis-server', 'openssl', 'Go']);
      // Not root is no longer missing: the demo falls back to static proxies and says so.
      expect(report.found).toContainEqual(expect.stringMatching(/^not root: static simulated proxies/));
      expect(report.missing[0]?.install).toContain('apt-get install -y redis-server');
      expect(report.missing[2]?.what).toMatch(
        /kube-apiserver v1\.\d+\.\d+, .*kwok v0\.\d+\.\d+, etcd v3\.\d+\.\d+/,
      );
    } finally {
      await rm(emptyCache, { recursive: true, force: true });
    }
  });
});

describe('demo state folder', () => {
  it('is $KONG_FLEET_DEMO_DIR, else kong-fleet-demo under $XDG_RUNTIME_DIR or /tmp', () => {
    expect(defaultDemoDir({ KONG_FLEET_DEMO_DIR: '/x' })).toBe('/x');
    expect(defaultDemoDir({ XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/run/user/1/kong-fleet-demo');
    expect(defaultDemoDir({})).toBe('/tmp/kong-fleet-demo');
  });
});

describe('waitFor with a signal', () => {
  it('stops waiting at once when aborted, with the reason', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = waitFor(() => false, { timeoutMs: 10_000, intervalMs: 5_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('interrupted')), 20);
    await expect(waiting).rejects.toThrow('interrupted');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
