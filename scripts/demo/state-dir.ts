/**
 * The demo's state folder: Redis data, the control plane's run dir, the PKI, Bull Board credentials and
 * the controller log, plus `demo.json` naming the processes, so a demo killed hard (SIGKILL, a closed
 * terminal) can be cleaned up by the next one instead of leaving Redis or the controller behind.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { waitFor } from '../../lib/wait-for.ts';
import { stopControlPlane } from '../control-plane.d/control-plane.ts';

/** `$KONG_FLEET_DEMO_DIR`, else `${XDG_RUNTIME_DIR:-/tmp}/kong-fleet-demo`. */
export function defaultDemoDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KONG_FLEET_DEMO_DIR || join(env.XDG_RUNTIME_DIR || '/tmp', 'kong-fleet-demo');
}

export interface DemoPaths {
  readonly root: string;
  readonly controlPlane: string;
  readonly redis: string;
  readonly pki: string;
  readonly boardToken: string;
  readonly boardBasicAuth: string;
  readonly controllerLog: string;
  readonly record: string;
}

export function demoPaths(root: string): DemoPaths {
  return {
    root,
    controlPlane: join(root, 'control-plane'),
    redis: join(root, 'redis'),
    pki: join(root, 'pki'),
    boardToken: join(root, 'board-token'),
    boardBasicAuth: join(root, 'board-basic-auth'),
    controllerLog: join(root, 'controller.log'),
    record: join(root, 'demo.json'),
  };
}

/** What `demo.json` holds: the demo's own pid and those of the processes it started outside itself. */
export interface DemoRecord {
  demo: number;
  redis?: { pid: number; port: number };
  controller?: number;
}

/**
 * True while `pid` runs a command line containing every one of `parts` (a recorded pid may have been
 * reused by an unrelated process; that one must never be signalled). Zombies count as gone.
 */
export function runs(pid: number | undefined, parts: readonly string[]): boolean {
  if (pid === undefined) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && parts.every((part) => cmdline.includes(part));
  } catch {
    return false;
  }
}

/** How the demo's processes are recognised in /proc. */
export const COMMAND_MARKS = {
  demo: ['scripts/demo'],
  controller: ['workers/main.ts', 'run'],
  /** redis-server rewrites its title to `redis-server 127.0.0.1:<port>`. */
  redis: (port: number) => ['redis-server', `:${port}`],
} as const;

export class DemoAlreadyRunning extends Error {
  constructor(root: string, pid: number) {
    super(
      `a demo is already running from ${root} (pid ${pid}): stop it with Ctrl-C in its terminal (or kill ${pid}), or give this one its own folder with KONG_FLEET_DEMO_DIR`,
    );
    this.name = 'DemoAlreadyRunning';
  }
}

async function readRecord(file: string): Promise<DemoRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DemoRecord;
  } catch {
    return undefined;
  }
}

async function terminate(pid: number | undefined, marks: readonly string[]): Promise<void> {
  if (!runs(pid, marks)) return;
  process.kill(pid!, 'SIGTERM');
  await waitFor(() => !runs(pid, marks), { timeoutMs: 15_000, description: `pid ${pid} to exit` }).catch(
    () => {
      if (runs(pid, marks)) process.kill(pid!, 'SIGKILL');
    },
  );
}

/**
 * Makes `root` a fresh, empty state folder (mode 0700). A folder left by a demo that died without
 * cleaning up is cleaned first (its controller, Redis and control plane stopped); one whose demo still
 * runs is refused with {@link DemoAlreadyRunning}. Returns what the folder held before, for the log.
 */
export async function prepareDemoDir(paths: DemoPaths): Promise<'fresh' | 'cleaned'> {
  if (!(await isDemoDir(paths))) throw new NotADemoDir(paths.root);
  const previous = await readRecord(paths.record);
  if (previous && previous.demo !== process.pid && runs(previous.demo, COMMAND_MARKS.demo))
    throw new DemoAlreadyRunning(paths.root, previous.demo);
  let state: 'fresh' | 'cleaned' = 'fresh';
  if (previous) {
    await terminate(previous.controller, COMMAND_MARKS.controller);
    if (previous.redis) await terminate(previous.redis.pid, COMMAND_MARKS.redis(previous.redis.port));
    state = 'cleaned';
  }
  // stopControlPlane only deletes a folder its own marker file is in; it also copes with nothing there.
  if (await stopControlPlane(paths.controlPlane)) state = 'cleaned';
  await removeDemoDir(paths);
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  await writeRecord(paths, { demo: process.pid });
  return state;
}

/** Written to a temp name and renamed, so a reader never sees half a file. */
export async function writeRecord(paths: DemoPaths, record: DemoRecord): Promise<void> {
  await writeFile(`${paths.record}.tmp`, `${JSON.stringify(record)}\n`);
  await rename(`${paths.record}.tmp`, paths.record);
}

/** Deletes the state folder, but only one the demo made (it holds demo.json) or an empty one. */
export async function removeDemoDir(paths: DemoPaths): Promise<void> {
  if (!(await isDemoDir(paths))) throw new NotADemoDir(paths.root);
  await rm(paths.root, { recursive: true, force: true });
}

export class NotADemoDir extends Error {
  constructor(root: string) {
    super(
      `${root} exists, is not empty and was not made by the demo (no demo.json): refusing to use or delete it; set KONG_FLEET_DEMO_DIR to another folder`,
    );
    this.name = 'NotADemoDir';
  }
}

/** True when `root` is missing, empty, or holds the demo's record. */
async function isDemoDir(paths: DemoPaths): Promise<boolean> {
  try {
    const entries = await readdir(paths.root);
    return entries.length === 0 || entries.includes(basename(paths.record));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}
