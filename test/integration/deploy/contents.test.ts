import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../testing/free-port.ts';
import { eventually } from '../../helpers/eventually.ts';
import { DEPLOY_DIR, find, render } from './overlay.ts';
import { container, podSpec } from './pod-template.ts';
import { settingsCoverage } from './settings-coverage.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

describe('what the install runs', () => {
  it("starts a real redis-server with the ConfigMap's redis.conf: AOF every second, noeviction", async () => {
    const rendered = await render(DEPLOY_DIR);
    const conf = (find(rendered, 'ConfigMap', 'redis-config').data as Record<string, string>)['redis.conf'];
    expect(conf).toBeDefined();
    const redis = container(podSpec(find(rendered, 'Deployment', 'redis')), 'redis');
    expect(redis.args).toEqual(['redis-server', '/etc/redis/redis.conf']);

    // The data folder is the PersistentVolumeClaim's mount.
    const dataMount = redis.volumeMounts?.find((m) => m.name === 'data')?.mountPath;
    expect(conf).toMatch(new RegExp(`^dir ${dataMount}$`, 'm'));

    const dir = await mkdtemp(join(tmpdir(), 'kf-redis-conf-'));
    const confFile = join(dir, 'redis.conf');
    // Only what differs outside a pod: a temporary data folder (Redis enters it while reading the file,
    // so it is replaced there), loopback and a free port.
    await writeFile(confFile, conf!.replace(/^dir .*$/m, `dir ${dir}`));
    const port = await freePort();
    const child = spawn('redis-server', [confFile, '--port', String(port), '--bind', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    // Refused connections before the server listens are retried by the wait below, not errors.
    client.on('error', () => {});
    try {
      await eventually(
        async () => {
          if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
          if (client.status !== 'ready') await client.connect();
          return (await client.ping()) === 'PONG';
        },
        { description: 'redis-server with the install’s redis.conf' },
      );
      const get = async (name: string) => (await client.config('GET', name))[1];
      expect(await get('appendonly')).toBe('yes');
      expect(await get('appendfsync')).toBe('everysec');
      expect(await get('maxmemory-policy')).toBe('noeviction');
      expect(Number(await get('maxmemory'))).toBe(512 * 1024 * 1024);
      expect(await get('protected-mode')).toBe('no');
      // The append-only file is really written.
      await client.set('kf-deploy-probe', '1');
      await eventually(async () => (await readdir(dir)).some((name) => name.startsWith('appendonly')));
    } finally {
      client.disconnect();
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists every setting of `kong-fleet run` in controller.yaml, set or explained, and nothing unknown', async () => {
    const text = await readFile(join(DEPLOY_DIR, 'controller.yaml'), 'utf8');
    const rendered = await render(DEPLOY_DIR);
    const env = container(podSpec(find(rendered, 'Deployment', 'kong-fleet')), 'controller').env ?? [];
    expect(
      settingsCoverage(
        env.map((variable) => variable.name),
        text,
      ),
    ).toEqual({ unknown: [], neither: [], both: [] });
  });

  it('builds an image whose copied folders hold everything the CLI loads, from production dependencies only', async () => {
    const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24[-\w.]*slim/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    // Node flags (the heap sizing) may come before the entry point; the entry point is the CLI.
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", (?:"--[a-z-]+=\d+", )*"workers\/main\.ts"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["run"\]$/m);
    const sources = [...dockerfile.matchAll(/^COPY (?!--)(.+) \S+$/gm)].flatMap((match) =>
      match[1]!.split(/\s+/),
    );
    expect(sources).toContain('workers');

    // The image's file tree, minus node_modules (linked, since only the folder list is under test here).
    const image = await mkdtemp(join(tmpdir(), 'kf-image-tree-'));
    try {
      for (const source of new Set(sources))
        await cp(join(REPO, source), join(image, source), { recursive: true });
      await symlink(join(REPO, 'node_modules'), join(image, 'node_modules'));
      // main.ts loads its commands lazily (workers/cli/commands.ts) and runs on import: load the
      // command modules themselves.
      const entryPoints = (await readdir(join(image, 'workers', 'cli'))).map((f) => `./workers/cli/${f}`);
      // Every command module, with everything it imports: a module outside the copied folders fails here.
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `for (const m of ${JSON.stringify(entryPoints)}) await import(m); console.log('loaded')`,
        ],
        { cwd: image },
      );
      expect(stdout.trim()).toBe('loaded');
      const help = await run(process.execPath, ['workers/main.ts', 'run', '--help'], { cwd: image });
      expect(help.stdout).toContain('KONG_FLEET_REDIS_URL');

      // `npm ci --omit=dev` installs `dependencies` only: no runtime module may import anything else.
      const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      const imported = new Set<string>();
      for (const file of await tsFiles(image)) {
        const code = await readFile(file, 'utf8');
        for (const match of code.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
          if (match[1]) continue;
          imported.add(match[2]!);
        }
        for (const match of code.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) imported.add(match[1]!);
      }
      const packages = [...imported]
        .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:'))
        .map((spec) =>
          spec
            .split('/')
            .slice(0, spec.startsWith('@') ? 2 : 1)
            .join('/'),
        );
      expect(packages.length).toBeGreaterThan(0);
      expect([...new Set(packages)].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    } finally {
      await rm(image, { recursive: true, force: true });
    }
  });
});

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.parentPath.includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}
