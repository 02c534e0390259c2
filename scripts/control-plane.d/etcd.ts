import { waitFor } from '../../lib/wait-for.ts';
import { probe } from './http-probe.ts';
import { isOurProcess, startDetached } from './processes.ts';
import { rethrowStartupError, StartupError } from './startup-error.ts';

export interface EtcdOptions {
  binary: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  logFile: string;
  /** How long etcd may take to report healthy. @defaultValue 30000 */
  readyTimeoutMs?: number;
}

/**
 * envtest's etcd flags: one member, loopback only, no fsync (the data is thrown away by `down`; fsync
 * would only slow every write the tests make).
 */
export function etcdArgs({ dataDir, clientPort, peerPort }: EtcdOptions): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=kong-fleet',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=kong-fleet=${peer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

/** Starts etcd and waits until `/health` answers 200. Returns the pid. */
export async function startEtcd(options: EtcdOptions): Promise<number> {
  const { binary, logFile, clientPort, readyTimeoutMs = 30_000 } = options;
  const pid = startDetached({ command: binary, args: etcdArgs(options), logFile });
  await waitFor(
    async () => {
      if (!isOurProcess(pid, binary)) throw new StartupError('etcd', logFile);
      return (await probe(`http://127.0.0.1:${clientPort}/health`)) === 200;
    },
    {
      timeoutMs: readyTimeoutMs,
      intervalMs: 100,
      description: `etcd on 127.0.0.1:${clientPort} to be healthy`,
    },
  ).catch(rethrowStartupError);
  return pid;
}
