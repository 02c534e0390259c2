import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodNetwork } from '../../testing/pods/pod-network.ts';
import type { Binaries } from './binaries.ts';
import { isOurProcess, residentMemoryMiB } from './processes.ts';

/** Everything `down`, `env` and `status` need to know about a running control plane (`<runDir>/state.json`). */
export interface ControlPlaneState {
  runDir: string;
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** Admin kubeconfig (client certificate in group system:masters). */
  kubeconfig: string;
  /** The kubectl to use with this control plane. */
  kubectl: string;
  /** Folder `env` puts first in PATH when kubectl had to be built; absent when the system kubectl is fine. */
  builtKubectlDir?: string;
  binaries: Binaries;
  ports: {
    etcdClient: number;
    etcdPeer: number;
    apiserver: number;
    controllerManager?: number;
    scheduler?: number;
  };
  /** The cluster components are absent when started with `cluster: false` (apiserver + etcd only). */
  pids: { etcd: number; apiserver: number; controllerManager?: number; scheduler?: number; kwok?: number };
  /** The KWOK nodes Pods are scheduled to. */
  nodes?: string[];
  /** The network namespace holding the pod IPs; absent without root (then `podNetworkUnavailable` says why). */
  podNetwork?: PodNetwork;
  podNetworkUnavailable?: string;
  /** The pod CIDR node IPAM allocates from (inside `podNetwork` when there is one). */
  podCidr?: string;
  pkiDir: string;
  etcdDataDir: string;
  logDir: string;
  startedAt: string;
  /** The Gateway API channel installed, or absent when CRDs were skipped. */
  crds?: { gatewayApiChannel: string; files: number };
}

/** A file every run dir holds, so `down` only ever deletes a folder this tool created. */
export const RUN_DIR_MARKER = '.kong-fleet-control-plane';

const stateFile = (runDir: string) => join(runDir, 'state.json');

export async function readState(runDir: string): Promise<ControlPlaneState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile(runDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as ControlPlaneState;
  } catch (err) {
    throw new Error(`control-plane: ${stateFile(runDir)} is not valid JSON; remove ${runDir} by hand`, {
      cause: err,
    });
  }
}

/** Written to a temp name and renamed, so a reader never sees half a file. */
export async function writeState(state: ControlPlaneState): Promise<void> {
  const file = stateFile(state.runDir);
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

/** Every process of the control plane with its binary, in stop order (the reverse of the start order). */
export function processesInStopOrder(state: ControlPlaneState): { pid: number; binary: string }[] {
  const { pids, binaries } = state;
  return [
    [pids.kwok, binaries.kwok],
    [pids.scheduler, binaries.kubeScheduler],
    [pids.controllerManager, binaries.kubeControllerManager],
    [pids.apiserver, binaries.kubeApiserver],
    [pids.etcd, binaries.etcd],
  ]
    .filter((entry): entry is [number, string] => entry[0] !== undefined)
    .map(([pid, binary]) => ({ pid, binary }));
}

/** Which of the two processes still run. */
export function liveness(state: ControlPlaneState): { etcd: boolean; apiserver: boolean } {
  return {
    etcd: isOurProcess(state.pids.etcd, state.binaries.etcd),
    apiserver: isOurProcess(state.pids.apiserver, state.binaries.kubeApiserver),
  };
}

/** Resident memory (MiB) of etcd and kube-apiserver; undefined for a process that is gone. */
export function memoryMiB(state: ControlPlaneState): { etcd?: number; apiserver?: number } {
  return { etcd: residentMemoryMiB(state.pids.etcd), apiserver: residentMemoryMiB(state.pids.apiserver) };
}
