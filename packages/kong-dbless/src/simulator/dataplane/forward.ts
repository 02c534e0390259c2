/**
 * Sends one request to one peer and hands back the response head, so the caller can stream the body.
 * Failures are classified as Kong answers them: no connection / a broken response → 502, timeout → 504.
 */
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ForwardRequest {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  method: string;
  /** Path and query. */
  path: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  connectTimeoutMs: number;
  readTimeoutMs: number;
}

export type ForwardResult =
  | { ok: true; response: IncomingMessage }
  | { ok: false; failure: 'connect' | 'timeout' | 'invalid' };

export function forward(req: ForwardRequest): Promise<ForwardResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: ForwardResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      resolve(result);
    };
    const send = req.protocol === 'https' ? httpsRequest : httpRequest;
    const outgoing = send({
      host: req.host,
      port: req.port,
      method: req.method,
      path: req.path,
      headers: req.headers,
      // Kong does not verify upstream certificates unless `tls_verify` is set.
      ...(req.protocol === 'https' ? { rejectUnauthorized: false, servername: req.host } : {}),
      agent: false,
    });
    let connected = false;
    const connectTimer = setTimeout(() => {
      if (!connected) {
        outgoing.destroy();
        done({ ok: false, failure: 'timeout' });
      }
    }, req.connectTimeoutMs);
    outgoing.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
        clearTimeout(connectTimer);
      });
    });
    outgoing.setTimeout(req.readTimeoutMs, () => {
      outgoing.destroy();
      done({ ok: false, failure: 'timeout' });
    });
    outgoing.on('response', (response) => done({ ok: true, response }));
    outgoing.on('error', (err: NodeJS.ErrnoException) => {
      const refused = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL'];
      done({ ok: false, failure: !connected || refused.includes(err.code ?? '') ? 'connect' : 'invalid' });
    });
    outgoing.end(req.body.length > 0 ? req.body : undefined);
  });
}
