import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
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
  /**
   * Serve TLS only (`--port 0 --tls-port`) with a certificate for `localhost`: the URL becomes
   * `rediss://`. With `clientCert` (signed by `ca`), clients must present a certificate too, and the
   * start-up check uses that one.
   */
  tls?: {
    readonly cert: string;
    readonly key: string;
    readonly ca: string;
    readonly clientCert?: { readonly cert: string; readonly key: string };
  };
  /** More `--name value…` arguments: ACL users (`--user`), `--replicaof`, `--requirepass`… */
  args?: readonly string[];
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
  const listen = options.tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        options.tls.cert,
        '--tls-key-file',
        options.tls.key,
        '--tls-ca-cert-file',
        options.tls.ca,
        '--tls-auth-clients',
        options.tls.clientCert ? 'yes' : 'no',
      ]
    : ['--port', String(port)];
  const args = [
    ...listen,
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
    ...(options.args ?? []),
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
    waitFor(() => ping(port, options.tls && { ca: options.tls.ca, ...options.tls.clientCert }), {
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
    url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
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

/**
 * True once redis-server answers on `port`: PONG, or NOAUTH when its default user needs a password (it
 * is up; the caller's credentials are the test).
 */
export function ping(
  port: number,
  tls?: { readonly ca: string; readonly cert?: string; readonly key?: string },
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = tls
      ? tlsConnect({
          host: '127.0.0.1',
          port,
          ca: readFileSync(tls.ca),
          ...(tls.cert && tls.key ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : {}),
          servername: 'localhost',
        })
      : createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      const answer = data.toString();
      resolve(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
