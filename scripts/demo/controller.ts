/**
 * The demo's `kong-fleet run` process: its own process group (a Ctrl-C in the terminal reaches only the
 * demo, which stops the controller first, then Redis), its logs in a file so the terminal keeps the summary.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../../lib/wait-for.ts';
import { listeningAddress, withoutKongFleetSettings } from '../../testing/controller-process.ts';
import { REPO_ROOT } from '../control-plane.d/locations.ts';

export const CLI_ENTRY = join(REPO_ROOT, 'workers', 'main.ts');

export interface DemoControllerOptions {
  /** KONG_FLEET_* settings; any KONG_FLEET_* of the demo's own environment is dropped. */
  readonly settings: Record<string, string>;
  /** stdout and stderr (pino JSON lines) go here. */
  readonly logFile: string;
  /** Start-up is abandoned when this aborts. */
  readonly signal?: AbortSignal;
  /** @defaultValue 30000 */
  readonly timeoutMs?: number;
}

export interface DemoController {
  readonly pid: number;
  /** `http://127.0.0.1:<port>`: /metrics, /api, /queues. */
  readonly baseUrl: string;
  readonly process: ChildProcess;
  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs`). Resolves to the exit code or signal. */
  stop(graceMs?: number): Promise<number | string>;
}

/** The environment without KONG_FLEET_* settings, so a developer's own settings never leak into the demo. */

/** Starts the controller and resolves once its HTTP server listens (the address is read from its log). */
export async function startDemoController(options: DemoControllerOptions): Promise<DemoController> {
  const { settings, logFile, signal, timeoutMs = 30_000 } = options;
  const log = openSync(logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [CLI_ENTRY, 'run'], {
      env: { ...withoutKongFleetSettings(process.env), ...settings },
      stdio: ['ignore', log, log],
      detached: true,
    });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown'));
    child.once('error', (err) => resolve(err.message));
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async (graceMs = 15_000) => {
    if (!running()) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => running() && child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  // Stop waiting as soon as the controller exits or the demo is interrupted.
  const gone = new AbortController();
  void exited.then((how) => gone.abort(new Error(`the controller exited during start-up (${how})`)));
  try {
    const baseUrl = await waitFor(async () => listeningAddress(await readFile(logFile, 'utf8')), {
      timeoutMs,
      intervalMs: 100,
      description: `the controller's HTTP server (log: ${logFile})`,
      signal: signal ? AbortSignal.any([signal, gone.signal]) : gone.signal,
    });
    return { pid: child.pid!, baseUrl, process: child, stop };
  } catch (err) {
    await stop(5_000);
    throw err;
  }
}
