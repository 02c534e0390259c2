import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { kubeconfigPath } from './kube.ts';

/** The repository's chart. */
export const CHART_DIR = fileURLToPath(new URL('../../charts/kong-fleet', import.meta.url));

/** helm failed: the message has the command line and helm's stderr. */
export class HelmError extends Error {
  readonly stderr: string;
  readonly exitCode: number | null;
  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    super(`helm ${args.join(' ')} exited with ${exitCode}: ${stderr.trim()}`);
    this.name = 'HelmError';
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

export interface HelmResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs the run's Helm (built by scripts/control-plane.d/build.sh) against the run's control plane as
 * admin. Helm's cache, config and data folders (and HOME) live in the control plane's temp folder, so a
 * test never reads or writes the developer's ~/.config/helm or ~/.kube.
 */
export function helm(args: readonly string[], { timeoutMs = 120_000 } = {}): Promise<HelmResult> {
  const home = join(dirname(kubeconfigPath()), 'helm');
  return new Promise((resolve, reject) => {
    const child = spawn(inject('helm'), [...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      env: {
        PATH: process.env.PATH ?? '',
        // client-go's discovery cache goes to $HOME/.kube/cache: here, not the developer's or the cwd.
        HOME: home,
        KUBECONFIG: kubeconfigPath(),
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
      },
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
      code === 0 ? resolve({ stdout, stderr }) : reject(new HelmError(args, code, stderr)),
    );
  });
}
