import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  PodHostReply,
  PodHostRequest,
  ProxyImpairment,
  ProxyPodFault,
  ProxyPodState,
  ProxyPodTls,
  ProxyPodUrls,
} from './pod-host-protocol.ts';

const POD_HOST = fileURLToPath(new URL('pod-host.ts', import.meta.url));

type Request = PodHostRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** The host's handle on pod-host.ts running inside the pod network namespace. */
export interface PodHost {
  startProxy(name: string, address: string, tls: ProxyPodTls): Promise<ProxyPodUrls>;
  stopProxy(name: string): Promise<void>;
  proxyState(name: string): Promise<ProxyPodState>;
  fault(name: string, fault: ProxyPodFault): Promise<void>;
  impair(name: string, impairment: ProxyImpairment): Promise<void>;
  /** An echo backend (`startEchoServer`) named after the pod, at its address. */
  startEcho(name: string, address: string, port: number): Promise<{ url: string }>;
  stopEcho(name: string): Promise<void>;
  /** A Gateway API conformance backend (testing/pods/echo-basic.ts) for pod `name` of `namespace`. */
  startEchoBasic(name: string, address: string, port: number, namespace: string): Promise<{ url: string }>;
  /** A TCP forwarder at `address:port` to `target` (testing/pods/forwarder.ts), named `name`. */
  startForward(
    name: string,
    address: string,
    port: number,
    target: { host: string; port: number },
  ): Promise<void>;
  stopForward(name: string): Promise<void>;
  /** Closes the channel: pod-host stops every proxy and exits. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts pod-host.ts inside `netns` (`ip netns exec`; the IPC channel's file descriptor survives the
 * exec) and resolves once it says it is listening for requests.
 */
export async function startPodHost(netns: string): Promise<PodHost> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netns, process.execPath, POD_HOST], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failAll = (reason: string) => {
    for (const { reject } of pending.values()) reject(new Error(reason));
    pending.clear();
  };
  child.on('exit', (code, signal) => failAll(`pod-host in ${netns} exited (${code ?? signal})`));
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
    child.once('error', reject);
  });
  child.on('message', (message) => {
    const reply = message as PodHostReply;
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error !== undefined) waiter?.reject(new Error(`pod-host: ${reply.error}`));
    else waiter?.resolve(reply.result);
  });
  const call = <T>(request: Request): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) return reject(new Error(`pod-host in ${netns} is gone`));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...request, id });
    });
  await ready;
  return {
    startProxy: (name, address, tls) => call({ op: 'startProxy', name, address, tls }),
    stopProxy: (name) => call({ op: 'stopProxy', name }),
    proxyState: (name) => call({ op: 'proxyState', name }),
    fault: (name, fault) => call({ op: 'fault', name, fault }),
    impair: (name, impairment) => call({ op: 'impair', name, impairment }),
    startEcho: (name, address, port) => call({ op: 'startEcho', name, address, port }),
    stopEcho: (name) => call({ op: 'stopEcho', name }),
    startEchoBasic: (name, address, port, namespace) =>
      call({ op: 'startEchoBasic', name, address, port, namespace }),
    startForward: (name, address, port, target) => call({ op: 'startForward', name, address, port, target }),
    stopForward: (name) => call({ op: 'stopForward', name }),
    async stop() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
