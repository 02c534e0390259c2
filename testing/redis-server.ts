import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../lib/wait-for.ts';
import { freePort } from './free-port.ts';

export interface LocalRedisOptions {
  /** TCP port on 127.0.0.1. @defaultValue a free port */
  port?: number;
  /** Keep data in an append-only file, as production should. @defaultValue false */
  appendOnly?: boolean;
  /** Data directory. @defaultValue a fresh temporary directory, removed on stop */
  dir?: string;
  /** The binary to run. @defaultValue `redis-server` from PATH */
  binary?: string;
  /**
   * Run in its own process group, so a Ctrl-C in the terminal does not reach it and the caller decides
   * when it stops (the demo stops Redis after the controller). @defaultValue false
   */
  detached?: boolean;
}

export interface LocalRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a real redis-server on loopback, configured as BullMQ needs it (noeviction). */
export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'kong-fleet-redis-')));
  if (!ownDir) await mkdir(dir, { recursive: true, mode: 0o700 });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  const child = spawn(options.binary ?? 'redis-server', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: options.detached ?? false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // 'close' comes after stderr is fully read, so the error carries redis-server's own explanation.
  const died = new AbortController();
  child.once('close', (code, signal) =>
    died.abort(new Error(`redis-server exited at start-up (${code ?? signal}): ${stderr.trim()}`)),
  );
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start redis-server: ${err.message}`))),
  );
  spawnError.catch(() => {});

  await Promise.race([
    spawnError,
    waitFor(() => ping(port), {
      timeoutMs: 10_000,
      description: `redis-server on port ${port}`,
      signal: died.signal,
    }),
  ]).catch(async (err) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  });

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
