/**
 * One data-plane listener (proxy http, proxy https, status): listens on a fixed address, can be closed (open
 * sockets destroyed, so clients see an outage) and reopened on the same port, and counts connections the way
 * nginx's stub_status does for `kong_nginx_connections_total`.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionStats {
  accepted: number;
  handled: number;
  active: number;
  totalRequests: number;
  writing: number;
}

export interface Listener {
  readonly port: number;
  /** `scheme://host:port` (IPv6 hosts bracketed). */
  readonly url: string;
  stats(): ConnectionStats;
  resetStats(): void;
  /** Destroys open connections but keeps listening (a restarted process drops its clients). */
  dropConnections(): void;
  open(): Promise<void>;
  close(): Promise<void>;
}

export async function startListener(
  server: Server,
  options: { host: string; port: number; scheme: 'http' | 'https' },
): Promise<Listener> {
  const sockets = new Set<Socket>();
  let stats = { accepted: 0, handled: 0, totalRequests: 0, writing: 0 };
  let port = options.port;
  let listening = false;
  server.keepAliveTimeout = 60_000;
  server.on(options.scheme === 'https' ? 'secureConnection' : 'connection', (socket: Socket) => {
    stats.accepted++;
    stats.handled++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('request', (_req, res) => {
    stats.totalRequests++;
    stats.writing++;
    const counted = stats;
    res.on('close', () => counted.writing--);
  });
  const open = () =>
    new Promise<void>((resolve, reject) => {
      if (listening) return resolve();
      server.once('error', reject);
      server.listen(port, options.host, () => {
        server.off('error', reject);
        const address = server.address();
        if (address && typeof address === 'object') port = address.port;
        listening = true;
        resolve();
      });
    });
  await open();
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    url: `${options.scheme}://${host}:${port}`,
    stats: () => ({
      ...stats,
      active: sockets.size,
      writing: Math.max(0, Math.min(stats.writing, sockets.size)),
    }),
    resetStats: () => {
      stats = { accepted: 0, handled: 0, totalRequests: 0, writing: 0 };
    },
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    open,
    close: () =>
      new Promise<void>((resolve) => {
        if (!listening) return resolve();
        listening = false;
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
