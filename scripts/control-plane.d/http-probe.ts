import { request } from 'node:https';

/** Client TLS material for talking to the apiserver as admin (PEM strings). */
export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

/**
 * One GET, resolving to the HTTP status (0 when the connection failed). Used to poll health endpoints,
 * so it never throws and never retries by itself.
 */
export async function probe(
  url: string,
  tls?: ClientTls | { rejectUnauthorized: false },
  timeoutMs = 5_000,
): Promise<number> {
  if (!url.startsWith('https:')) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }
  return new Promise((resolve) => {
    const req = request(url, { ...tls, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
