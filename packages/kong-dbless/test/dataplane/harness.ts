/** Shared by the data-plane tests: a simulated node with its data plane, echo backends, config loading. */
import { request } from 'node:http';
import { type EchoReply, type EchoServer, startEchoServer } from '../../src/simulator/echo-server.ts';
import {
  type SimulatedProxy,
  type SimulatedProxyOptions,
  startSimulatedProxy,
} from '../../src/simulator/index.ts';

export interface Node {
  proxy: SimulatedProxy;
  /** Loads a declarative config (JSON object form); throws with Kong's error body when it is refused. */
  load(config: Record<string, unknown>): Promise<void>;
  /** A request through the http proxy listener. */
  send(path: string, init?: SendInit): Promise<Response>;
}

export interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The Host header (fetch cannot set it; the router matches on it). */
  host?: string;
}

/** One request with node:http (so Host can be set), answered as a fetch Response. */
export function send(base: string, path: string, init: SendInit = {}): Promise<Response> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        headers: { ...init.headers, ...(init.host ? { host: init.host } : {}) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers))
            for (const value of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, value);
          const status = res.statusCode ?? 0;
          resolve(
            new Response(status === 304 || status === 204 ? null : Buffer.concat(chunks), {
              status,
              headers,
            }),
          );
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export async function startNode(options: SimulatedProxyOptions = {}): Promise<Node> {
  const proxy = await startSimulatedProxy({
    loadDurationMs: 0,
    dataPlane: { httpPort: 0, statusPort: 0 },
    ...options,
  });
  return {
    proxy,
    async load(config) {
      const res = await fetch(`${proxy.adminUrl}/config`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ _format_version: '3.0', ...config }),
      });
      if (res.status !== 201) throw new Error(`config refused (${res.status}): ${await res.text()}`);
    },
    send: (path, init = {}) => send(proxy.proxyUrl!, path, init),
  };
}

export async function echoJson(res: Response): Promise<EchoReply> {
  if (res.status !== 200) throw new Error(`expected a proxied 200, got ${res.status}: ${await res.text()}`);
  return (await res.json()) as EchoReply;
}

export async function startEchoes(count: number): Promise<EchoServer[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startEchoServer({ name: `echo-${i}` })));
}

/** `host:port` of an echo backend, for a service's host/port or an upstream target. */
export function target(echo: EchoServer): string {
  return `${echo.host}:${echo.port}`;
}
