// The controller image's runtime tree: the runtime folders compiled to JavaScript by tsc
// (tsconfig.image.json), their other files (the fleet console's page), and package.json files whose entry
// points name the .js files. The Dockerfile runs this; so do the image test and the benchmarks, which
// measure the controller as it ships.
//
// Why JavaScript in the image when development runs the .ts sources: Node's type stripping loads a
// WebAssembly TypeScript parser (amaro) that stays resident for the life of the process, 17 MiB of RSS
// (`node x.ts` 59 MiB vs `node x.mjs` 42 MiB on Node 24.21), a tenth of the controller's memory target.
//   node scripts/image/build-tree.ts OUT_DIR
import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The folders the image runs, as tsconfig.image.json includes them. */
export async function runtimeFolders(repo = REPO): Promise<string[]> {
  const config = JSON.parse(await readFile(join(repo, 'tsconfig.image.json'), 'utf8')) as {
    include: string[];
  };
  return config.include;
}

function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

async function copyOtherFiles(repo: string, folder: string, out: string): Promise<void> {
  for (const entry of await readdir(join(repo, folder), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name.endsWith('.ts') || entry.name.endsWith('.md')) continue;
    const from = join(entry.parentPath, entry.name);
    const to = join(out, relative(repo, from));
    await mkdir(dirname(to), { recursive: true });
    await cp(from, to);
  }
}

/** A package.json whose `exports` and `bin` name the compiled .js files instead of the .ts sources. */
async function writeCompiledPackageJson(repo: string, path: string, out: string): Promise<void> {
  const manifest = JSON.parse(await readFile(join(repo, path), 'utf8')) as Record<string, unknown>;
  const toJs = (value: unknown): unknown =>
    typeof value === 'string'
      ? value.replace(/\.ts$/, '.js')
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toJs(inner)]))
        : value;
  for (const field of ['exports', 'bin', 'main'])
    if (field in manifest) manifest[field] = toJs(manifest[field]);
  await mkdir(dirname(join(out, path)), { recursive: true });
  await writeFile(join(out, path), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Writes the runtime tree into `out` (node_modules not included: the image installs them beside it). */
export async function buildImageTree(out: string, repo = REPO): Promise<void> {
  const tsc = join(repo, 'node_modules', '.bin', 'tsc');
  await run(tsc, ['-p', join(repo, 'tsconfig.image.json'), '--outDir', out], repo);
  for (const folder of await runtimeFolders(repo)) await copyOtherFiles(repo, folder, out);
  for (const manifest of ['package.json', 'packages/kong-dbless/package.json'])
    await writeCompiledPackageJson(repo, manifest, out);
}

/**
 * Outside the image (tests, benchmarks): `out/node_modules` links every installed package of the
 * checkout but the workspace one, which points at the tree's compiled copy. Linking node_modules as a
 * whole would resolve the workspace link to the .ts sources and bring type stripping back.
 */
export async function linkNodeModules(out: string, repo = REPO): Promise<void> {
  const installed = join(repo, 'node_modules');
  const target = join(out, 'node_modules');
  await mkdir(join(target, '@kong-fleet'), { recursive: true });
  for (const entry of await readdir(installed)) {
    if (entry === '@kong-fleet') continue;
    await symlink(join(installed, entry), join(target, entry));
  }
  await symlink(join(out, 'packages', 'kong-dbless'), join(target, '@kong-fleet', 'kong-dbless'));
}

/** How the image starts the controller: the final stage's ENV settings and its ENTRYPOINT. */
export interface ImageRuntime {
  readonly env: Record<string, string>;
  /** The node flags before the entry point. */
  readonly nodeFlags: string[];
  /** The entry point, relative to the tree (workers/main.js). */
  readonly entry: string;
}

/** Read from the Dockerfile, so the benchmarks run the controller exactly as the image does. */
export async function imageRuntime(repo = REPO): Promise<ImageRuntime> {
  const dockerfile = await readFile(join(repo, 'Dockerfile'), 'utf8');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, name, value] of finalStage.matchAll(/^ENV (\w+)=(\S+)$/gm)) env[name!] = value!;
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(finalStage)?.[1];
  if (!entrypoint) throw new Error('the Dockerfile has no ENTRYPOINT ["node", …] in its final stage');
  const [node, ...rest] = JSON.parse(entrypoint) as string[];
  const entry = rest.at(-1);
  if (node !== 'node' || !entry) throw new Error(`unexpected ENTRYPOINT ${entrypoint}`);
  return { env, nodeFlags: rest.slice(0, -1), entry };
}

if (import.meta.main) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node scripts/image/build-tree.ts OUT_DIR\n');
    process.exit(2);
  }
  await buildImageTree(out);
}
