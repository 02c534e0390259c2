import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTROL_PLANE_SOURCES } from './locations.ts';

/** The binaries a control plane runs, and the versions they were built at. */
export interface Binaries {
  k8sVersion: string;
  etcdVersion: string;
  kwokVersion: string;
  helmVersion: string;
  kubeApiserver: string;
  /** Deployment, ReplicaSet, EndpointSlice, ServiceAccount, node-IPAM, garbage-collector… controllers. */
  kubeControllerManager: string;
  kubeScheduler: string;
  etcd: string;
  /** Plays every kubelet: keeps fake Nodes Ready and moves their Pods through their lifecycle. */
  kwok: string;
  /** Helm for the chart tests (charts/kong-fleet); nothing in the control plane runs it. */
  helm: string;
  /** The kubectl to use: the one on PATH when it is within skew, else the one built next to kube-apiserver. */
  kubectl: string;
}

const KEYS = {
  K8S_VERSION: 'k8sVersion',
  ETCD_VERSION: 'etcdVersion',
  KWOK_VERSION: 'kwokVersion',
  HELM_VERSION: 'helmVersion',
  KUBE_APISERVER: 'kubeApiserver',
  KUBE_CONTROLLER_MANAGER: 'kubeControllerManager',
  KUBE_SCHEDULER: 'kubeScheduler',
  ETCD: 'etcd',
  KWOK: 'kwok',
  HELM: 'helm',
  KUBECTL: 'kubectl',
} as const;

/** Parses build.sh's `KEY=value` lines; a missing key is an error naming it. */
export function parseBuildOutput(stdout: string): Binaries {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const result: Partial<Binaries> = {};
  for (const [key, field] of Object.entries(KEYS)) {
    const value = values.get(key);
    if (!value)
      throw new Error(`control-plane: build.sh printed no ${key}= line (output: ${stdout.trim() || 'none'})`);
    result[field] = value;
  }
  return result as Binaries;
}

/**
 * Builds what is missing (first time only: many minutes on 2 cores) and returns the binaries' paths.
 * build.sh holds a file lock, so concurrent callers wait for one build instead of racing.
 * Build progress streams to this process's stderr.
 */
export async function ensureBinaries(cacheRoot: string): Promise<Binaries> {
  await mkdir(cacheRoot, { recursive: true });
  const script = join(CONTROL_PLANE_SOURCES, 'build.sh');
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script, cacheRoot], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`control-plane: ${script} failed with exit code ${code} (see its output above)`)),
    );
  });
  return parseBuildOutput(stdout);
}
