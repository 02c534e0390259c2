import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { waitFor } from '../../lib/wait-for.ts';

export interface DetachedProcessOptions {
  /** Absolute path of the binary; also how `isOurProcess` recognises the process later. */
  command: string;
  args: string[];
  /** stdout and stderr are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a process in its own session (so it outlives `scripts/control-plane up` and a Ctrl-C in the
 * terminal does not reach it) with its output in `logFile`. Returns its pid.
 */
export function startDetached({ command, args, logFile, env = process.env }: DetachedProcessOptions): number {
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env });
    if (child.pid === undefined) throw new Error(`control-plane: could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/**
 * True while `pid` is alive and still runs `command`: a recorded pid may have been reused by an unrelated
 * process after a reboot, and that one must never be signalled. Zombies count as gone.
 */
export function isOurProcess(pid: number, command: string): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return argv0 === command && state !== 'Z';
  } catch {
    return false;
  }
}

export interface StopOptions {
  /** How long SIGTERM may take before SIGKILL. @defaultValue 20000 */
  graceMs?: number;
}

/**
 * SIGTERM, wait for the exit, SIGKILL after the grace period. Only ever signals the recorded pid.
 * Returns once the process has left the process table, so `pgrep` right after `down` finds nothing.
 */
export async function stopProcess(
  pid: number,
  command: string,
  { graceMs = 20_000 }: StopOptions = {},
): Promise<void> {
  if (!isOurProcess(pid, command)) return awaitReaped(pid);
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(() => !isOurProcess(pid, command), {
      timeoutMs: graceMs,
      description: `${command} (pid ${pid}) to exit`,
    });
  } catch {
    if (isOurProcess(pid, command)) process.kill(pid, 'SIGKILL');
    await waitFor(() => !isOurProcess(pid, command), {
      timeoutMs: 5_000,
      description: `${command} (pid ${pid}) to die`,
    });
  }
  await awaitReaped(pid);
}

/**
 * A dead detached process stays a zombie until its parent reaps it: init does that (lazily) for the
 * orphans of `scripts/control-plane up`, Node for the children of a test run. Wait for that a while; a
 * zombie that stays is no error (it holds no memory, ports or files).
 */
async function awaitReaped(pid: number): Promise<void> {
  await waitFor(() => !existsSync(`/proc/${pid}`), { timeoutMs: 10_000, intervalMs: 50 }).catch(() => {});
}

/** Resident memory of a process in MiB (VmRSS), or undefined when it is gone. */
export function residentMemoryMiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** The last lines of a log file, to put in an error message when a process dies at startup. */
export function tailOf(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
