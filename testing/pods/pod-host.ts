/**
 * The process that serves the pods' IPs: it runs inside the pod network namespace
 * (`ip netns exec <ns> node testing/pods/pod-host.ts`, started by pod-host-client.ts), because a socket
 * can only bind an address of its own namespace. It starts and stops simulated Kong proxies on request
 * over the Node IPC channel; the host reaches them through the pod CIDR's route.
 */
import { type SimulatedProxy, startSimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import type { PodHostReply, PodHostRequest, ProxyPodTls } from './pod-host-protocol.ts';

/** Kong's admin listener in deploy/kong-proxy.yaml (`KONG_ADMIN_LISTEN=0.0.0.0:8444 ssl`). */
export const ADMIN_PORT = 8444;

/**
 * A simulated Kong for one proxy pod, listening where the pod's Kong would. The one place to add the
 * data plane: `dataPlane: { httpPort: 8000, httpsPort: 8443, statusPort: 8100, tls }`.
 */
function startProxyForPod(name: string, address: string, tls: ProxyPodTls): Promise<SimulatedProxy> {
  return startSimulatedProxy({ id: name, host: address, port: ADMIN_PORT, tls, loadDurationMs: 5 });
}

const proxies = new Map<string, SimulatedProxy>();

function proxyOf(name: string): SimulatedProxy {
  const proxy = proxies.get(name);
  if (!proxy) throw new Error(`no proxy for pod ${name}`);
  return proxy;
}

async function handle(request: PodHostRequest): Promise<PodHostReply['result']> {
  switch (request.op) {
    case 'startProxy': {
      const proxy = await startProxyForPod(request.name, request.address, request.tls);
      proxies.set(request.name, proxy);
      return { adminUrl: proxy.adminUrl };
    }
    case 'stopProxy': {
      await proxies.get(request.name)?.stop();
      proxies.delete(request.name);
      return {};
    }
    case 'proxyState': {
      const { configurationHash, up, configPushes } = proxyOf(request.name).state();
      return { configurationHash, up, configPushes };
    }
    case 'fault': {
      await proxyOf(request.name).faults[request.fault]();
      return {};
    }
  }
}

process.on('message', (message) => {
  const request = message as PodHostRequest;
  handle(request).then(
    (result) => process.send?.({ id: request.id, result } satisfies PodHostReply),
    (err: Error) => process.send?.({ id: request.id, error: err.message } satisfies PodHostReply),
  );
});
// The host closing the channel (its end, or its crash) ends this process and every proxy with it.
process.on('disconnect', () => {
  void Promise.allSettled([...proxies.values()].map((proxy) => proxy.stop())).then(() => process.exit(0));
});
process.send?.({ id: 0, result: {} } satisfies PodHostReply);
