/**
 * The control API of a simulated fleet (separate loopback port): list proxies and inject faults from a
 * shell or the demo. Routes are documented in README.md.
 */
import { createServer, type Server } from 'node:http';
import type { SimulatedFleet } from './fleet.ts';
import { readBody, sendJson } from './http-util.ts';
import type { SimulatedProxy } from './proxy.ts';

export interface ControlApi {
  readonly url: string;
  stop(): Promise<void>;
}

function describe(proxy: SimulatedProxy) {
  const s = proxy.state();
  return {
    id: proxy.id,
    adminUrl: proxy.adminUrl,
    port: proxy.port,
    up: s.up,
    configurationHash: s.configurationHash,
    entityCount: s.entityCount,
    requestCount: s.requestCount,
    configPushes: s.configPushes,
    version: s.version,
  };
}

/** Starts the control API for `fleet` on `host:port` (port 0 = free port). */
export async function startControlApi(
  fleet: SimulatedFleet,
  port = 0,
  host = '127.0.0.1',
): Promise<ControlApi> {
  const server: Server = createServer(async (req, res) => {
    try {
      const body = (await readBody(req, 1024 * 1024)) ?? Buffer.alloc(0);
      const args = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      const parts = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean);
      if (parts[0] !== 'proxies') return sendJson(res, 404, { message: 'Not found' });
      if (parts.length === 1) {
        if (req.method === 'GET') return sendJson(res, 200, { data: fleet.proxies.map(describe) });
        if (req.method === 'POST') return sendJson(res, 201, describe(await fleet.add()));
      }
      const proxy = fleet.get(parts[1] ?? '');
      if (!proxy) return sendJson(res, 404, { message: `no proxy '${parts[1]}'` });
      if (parts.length === 2) {
        if (req.method === 'GET') return sendJson(res, 200, describe(proxy));
        if (req.method === 'DELETE') {
          await fleet.remove(proxy.id);
          return sendJson(res, 200, { message: 'removed' });
        }
      }
      if (parts[2] === 'faults' && req.method === 'POST') {
        const f = proxy.faults;
        const num = (key: string, fallback: number) =>
          typeof args[key] === 'number' ? (args[key] as number) : fallback;
        switch (parts[3]) {
          case 'latency':
            f.setLatency(num('ms', 0));
            break;
          case 'fail':
            f.failNext(num('count', 1), num('status', 500));
            break;
          case 'drop':
            f.dropNext(num('count', 1));
            break;
          case 'restart':
            f.restart();
            break;
          case 'down':
            await f.down();
            break;
          case 'up':
            await f.up();
            break;
          case 'version':
            if (typeof args.version !== 'string')
              return sendJson(res, 400, { message: "'version' must be a string" });
            f.setVersion(args.version);
            break;
          default:
            return sendJson(res, 404, { message: `unknown fault '${parts[3]}'` });
        }
        return sendJson(res, 200, describe(proxy));
      }
      return sendJson(res, 405, { message: 'Method not allowed' });
    } catch (err) {
      return sendJson(res, 400, { message: (err as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const actual = address && typeof address === 'object' ? address.port : port;
  return {
    url: `http://${host}:${actual}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
