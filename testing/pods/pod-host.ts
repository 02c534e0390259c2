/**
 * The process that serves the pods' IPs: it runs inside the pod network namespace
 * (`ip netns exec <ns> node testing/pods/pod-host.ts`, started by pod-host-client.ts), because a socket
 * can only bind an address of its own namespace. It starts and stops simulated Kong proxies on request
 * over the Node IPC channel; the host reaches them through the pod CIDR's route.
 */
import {
  type EchoServer,
  type SimulatedProxy,
  startEchoServer,
  startSimulatedProxy,
} from '@kong-fleet/kong-dbless/simulator';
import { startEchoBasicServer } from './echo-basic.ts';
import { type Forwarder, startForwarder } from './forwarder.ts';
import { impair } from './impairment.ts';
import type { PodHostReply, PodHostRequest, ProxyPodTls } from './pod-host-protocol.ts';

/** Kong's admin listener in deploy/kong-proxy.yaml (`KONG_ADMIN_LISTEN=0.0.0.0:8444 ssl`). */
export const ADMIN_PORT = 8444;
/** Kong's proxy listeners in deploy/kong-proxy.yaml (`KONG_PROXY_LISTEN=0.0.0.0:8000, 0.0.0.0:8443 ssl`). */
export const PROXY_PORT = 8000;
export const PROXY_TLS_PORT = 8443;
/** Kong's status listener (`KONG_STATUS_LISTEN=0.0.0.0:8100`): `/status`, `/status/ready`, `/metrics`. */
export const STATUS_PORT = 8100;

const FLAVORS = ['traditional', 'traditional_compatible', 'expressions'] as const;
/** `KONG_ROUTER_FLAVOR` of this process's environment, when it names a flavor; else the simulator's default. */
const ROUTER_FLAVOR = FLAVORS.find((flavor) => flavor === process.env.KONG_ROUTER_FLAVOR);

/**
 * A simulated Kong for one proxy pod, listening where the pod's Kong would: the Admin API (mTLS), the
 * proxy over http and https (the pod's certificate) and the Status API.
 */
function startProxyForPod(name: string, address: string, tls: ProxyPodTls): Promise<SimulatedProxy> {
  return startSimulatedProxy({
    id: name,
    host: address,
    port: ADMIN_PORT,
    tls,
    loadDurationMs: 5,
    // Kong's own setting, read as a Kong pod would from its environment (the harness may set it).
    ...(ROUTER_FLAVOR ? { routerFlavor: ROUTER_FLAVOR } : {}),
    dataPlane: {
      httpPort: PROXY_PORT,
      httpsPort: PROXY_TLS_PORT,
      statusPort: STATUS_PORT,
      tls: { cert: tls.cert, key: tls.key },
    },
  });
}

const proxies = new Map<string, SimulatedProxy>();
/** Echo backends, one per backend pod, keyed by pod name. */
const echoes = new Map<string, Pick<EchoServer, 'stop'>>();
/** TCP forwarders (a LoadBalancer Service's address), keyed by name. */
const forwarders = new Map<string, Forwarder>();

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
      const { adminUrl, proxyUrl, proxyTlsUrl, statusUrl } = proxy;
      if (!proxyUrl || !proxyTlsUrl || !statusUrl) throw new Error(`proxy ${request.name}: no data plane`);
      return { adminUrl, proxyUrl, proxyTlsUrl, statusUrl };
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
    case 'startEcho': {
      const { name, address: host, port } = request;
      const echo = await startEchoServer({ host, port, name });
      echoes.set(name, echo);
      return { url: echo.url };
    }
    case 'startEchoBasic': {
      const { name, address: host, port, namespace } = request;
      const echo = await startEchoBasicServer({ host, port, pod: name, namespace });
      echoes.set(`${namespace}/${name}`, echo);
      return { url: echo.url };
    }
    case 'startForward': {
      const { name, address: host, port, target } = request;
      forwarders.set(name, await startForwarder({ host, port, target }));
      return {};
    }
    case 'stopForward': {
      await forwarders.get(request.name)?.stop();
      forwarders.delete(request.name);
      return {};
    }
    case 'stopEcho': {
      await echoes.get(request.name)?.stop();
      echoes.delete(request.name);
      return {};
    }
    case 'impair': {
      impair(proxyOf(request.name), request.impairment);
      return {};
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
  const servers = [...proxies.values(), ...echoes.values(), ...forwarders.values()];
  void Promise.allSettled(servers.map((server) => server.stop())).then(() => process.exit(0));
});
process.send?.({ id: 0, result: {} } satisfies PodHostReply);
