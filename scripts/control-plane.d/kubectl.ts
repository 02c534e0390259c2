import { spawn } from 'node:child_process';

export interface KubectlOptions {
  /** The kubectl binary. */
  kubectl: string;
  kubeconfig: string;
  /** Written to kubectl's stdin (for `-f -`). */
  input?: string;
  /** Kill kubectl after this long. @defaultValue 120000 */
  timeoutMs?: number;
}

/** The command line for an error message: long `-f a -f b …` lists are cut, the error names the file anyway. */
function shorten(args: readonly string[], max = 12): string {
  return args.length <= max
    ? args.join(' ')
    : `${args.slice(0, max).join(' ')} … (${args.length - max} more arguments)`;
}

/** kubectl failed: the message has the command line and kubectl's stderr. */
export class KubectlError extends Error {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number | null;
  constructor(args: readonly string[], exitCode: number | null, stdout: string, stderr: string) {
    super(`kubectl ${shorten(args)} exited with ${exitCode}: ${stderr.trim()}`);
    this.name = 'KubectlError';
    this.stdout = stdout;
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

/** Runs kubectl against the given kubeconfig and resolves to its stdout; rejects with a KubectlError. */
export function kubectl(args: readonly string[], options: KubectlOptions): Promise<string> {
  const { kubectl: binary, kubeconfig, input, timeoutMs = 120_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [`--kubeconfig=${kubeconfig}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new KubectlError(args, code, stdout, stderr)),
    );
    child.stdin.end(input ?? '');
  });
}
