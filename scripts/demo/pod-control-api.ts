/**
 * The demo's fault control API: the kong-sim control API's paths (`GET /proxies`, `GET /proxies/<pod>`,
 * `POST /proxies/<pod>/faults/restart|down|up`) on loopback, answered through the pod host that runs
 * each pod's simulated Kong (or by the static proxies themselves without a pod network).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FleetProxy, ProxyFleet } from '../../testing/proxy-fleet.ts';

export interface PodControlApi {
  readonly url: string;
  stop(): Promise<void>;
}

async function describe(proxy: FleetProxy) {
  const { configurationHash, up, configPushes } = await proxy.state();
  const { id, address, adminUrl, proxyUrl, proxyTlsUrl, statusUrl } = proxy;
  return { id, address, adminUrl, proxyUrl, proxyTlsUrl, statusUrl, up, configurationHash, configPushes };
}

export async function startPodControlApi(pods: ProxyFleet): Promise<PodControlApi> {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const path = new URL(req.url ?? '/', 'http://demo').pathname;
    const answer = async () => {
      if (req.method === 'GET' && path === '/proxies')
        return send(200, await Promise.all(pods.running().map(describe)));
      const match = /^\/proxies\/([^/]+)(?:\/faults\/([a-z]+))?$/.exec(path);
      const proxy = pods.running().find((p) => p.id === match?.[1]);
      if (!match || !proxy) return send(404, { message: 'no such proxy' });
      const fault = match[2];
      if (fault === undefined && req.method === 'GET') return send(200, await describe(proxy));
      if (req.method === 'POST' && (fault === 'restart' || fault === 'down' || fault === 'up')) {
        await proxy.faults[fault]();
        return send(200, { ok: true });
      }
      send(404, { message: 'faults: restart, down, up' });
    };
    answer().catch((err: Error) => send(500, { message: err.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
