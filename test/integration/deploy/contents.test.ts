import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { imageRuntime, linkNodeModules, runtimeFolders } from '../../../scripts/image/build-tree.ts';
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

  it('builds an image of the compiled runtime folders that loads every command, without type stripping, from production dependencies only', async () => {
    const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24[-\w.]*slim/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^CMD \["run"\]$/m);
    // The final stage runs the compiled tree: node flags (the heap sizing), then the CLI's .js entry point.
    const runtime = await imageRuntime();
    expect(runtime.entry).toBe('workers/main.js');
    expect(runtime.nodeFlags.every((flag) => /^--[a-z-]+(?:=\d+)?$/.test(flag))).toBe(true);
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const compiled = stages.find((stage) => /^\S+ AS compiled$/m.test(stage));
    expect(compiled, 'a stage named compiled').toBeDefined();
    expect(compiled).toMatch(/^RUN node scripts\/image\/build-tree\.ts \/app$/m);
    expect(stages.at(-1)).toMatch(/^COPY --from=compiled \/app \.\/$/m);

    // The build context of the compiled stage holds only what it COPYs: a folder missing there fails here.
    const sources = [...compiled!.matchAll(/^COPY (?!--)(.+) \S+$/gm)].flatMap((match) =>
      match[1]!.split(/\s+/),
    );
    for (const folder of await runtimeFolders()) expect(sources, folder).toContain(folder);
    const context = await mkdtemp(join(tmpdir(), 'kf-image-context-'));
    const tree = await mkdtemp(join(tmpdir(), 'kf-image-tree-'));
    try {
      for (const source of new Set(sources))
        await cp(join(REPO, source), join(context, source), { recursive: true });
      // The stage's `npm ci`, linked instead of installed (tsc and the types).
      await symlink(join(REPO, 'node_modules'), join(context, 'node_modules'));
      await run(process.execPath, ['scripts/image/build-tree.ts', tree], { cwd: context });
      expect(await tsFiles(tree)).toEqual([]);
      await linkNodeModules(tree);

      // main.ts loads its commands lazily (workers/cli/commands.ts) and runs on import: load the
      // command modules themselves, every one with everything it imports, and check that no
      // TypeScript was stripped on the way (the memory the compiled image exists to save).
      const entryPoints = (await readdir(join(tree, 'workers', 'cli'))).map((f) => `./workers/cli/${f}`);
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `for (const m of ${JSON.stringify(entryPoints)}) await import(m);
           console.log(process.moduleLoadList.some((m) => m.includes('amaro')) ? 'stripped types' : 'loaded')`,
        ],
        { cwd: tree },
      );
      expect(stdout.trim()).toBe('loaded');
      const help = await run(process.execPath, [...runtime.nodeFlags, runtime.entry, 'run', '--help'], {
        cwd: tree,
        env: { ...process.env, ...runtime.env },
      });
      expect(help.stdout).toContain('KONG_FLEET_REDIS_URL');
      // The fleet console's page is served from files beside its module.
      expect(await readdir(join(tree, 'workers', 'fleet-console'))).toContain('index.html');

      // `npm ci --omit=dev` installs `dependencies` only: no runtime module may import anything else.
      const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      const imported = new Set<string>();
      for (const file of await jsFiles(tree)) {
        const code = await readFile(file, 'utf8');
        for (const match of code.matchAll(/^\s*(?:import|export)\s+[^'";]*?from\s+'([^']+)'/gm))
          imported.add(match[1]!);
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
      await rm(context, { recursive: true, force: true });
      await rm(tree, { recursive: true, force: true });
    }
  });
});

async function filesEndingWith(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(suffix) && !e.parentPath.includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}
const tsFiles = (dir: string) => filesEndingWith(dir, '.ts');
const jsFiles = (dir: string) => filesEndingWith(dir, '.js');
