import { createServer, type Socket } from 'node:net';

/** A port that accepts connections and never answers on them, until closed. */
export interface HangingPort {
  close(): Promise<void>;
}

/**
 * Listens on `host:port` and holds every connection open without a byte in reply: what a proxy looks
 * like when its process hangs or a firewall swallows the traffic after the handshake (TLS never
 * completes, no HTTP answer). Take the real proxy down first so the port is free.
 */
export function holdPort(host: string, port: number): Promise<HangingPort> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
