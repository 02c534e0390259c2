/**
 * A TCP forwarder: what a LoadBalancer Service in front of the Kong pods does (the Gateway's address on
 * each listener's port, 80/443/…, forwarded to Kong's 8000/8443 on a pod IP). Bytes only: TLS passes
 * through untouched, so the proxy sees the client's SNI.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface ForwarderOptions {
  host: string;
  port: number;
  target: { host: string; port: number };
}

export interface Forwarder {
  /** The port listened on (the one given, or the free one picked for 0). */
  readonly port: number;
  stop(): Promise<void>;
}

export async function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(options.target);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
