import { Agent, request } from 'undici';
import type { ReloadingTlsCredentials } from './tls-credentials.ts';

/** Where and how to reach one proxy's Admin API. */
export interface AdminTarget {
  readonly adminUrl: string;
  /** TLS server name to verify; the URL's host when absent. */
  readonly serverName?: string;
}

export interface AdminClientOptions {
  /** Client certificate, key and CA for mTLS; without it the system CAs are used and no client certificate is sent. */
  readonly credentials?: ReloadingTlsCredentials;
  /** Deadline for POST /config (Kong parses and loads the whole config before answering). @defaultValue 30000 */
  readonly pushTimeoutMs?: number;
  /** Deadline for the small GET requests. @defaultValue 5000 */
  readonly readTimeoutMs?: number;
  /** Sockets per proxy. @defaultValue 2 */
  readonly connectionsPerProxy?: number;
}

export interface AdminResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON when the body was JSON, else undefined. */
  readonly json: unknown;
  readonly text: string;
}

/**
 * A small Kong Admin API client for the endpoints the controller uses (contract:
 * kong-admin-api.md). One undici Agent per TLS server name, rebuilt when the credentials change.
 */
export class KongAdminClient {
  readonly #options: AdminClientOptions;
  readonly #agents = new Map<string, Agent>();
  #credentialsVersion = -1;

  constructor(options: AdminClientOptions = {}) {
    this.#options = options;
  }

  /**
   * POST /config with the config as the `config` field of a JSON body, so the proxy's
   * configuration_hash is the MD5 of exactly `configText`; check_hash=1 makes an unchanged push a 304.
   */
  postConfig(target: AdminTarget, configText: string, signal?: AbortSignal): Promise<AdminResponse> {
    return this.#send(target, 'POST', '/config?check_hash=1&flatten_errors=1', {
      body: JSON.stringify({ config: configText }),
      timeoutMs: this.#options.pushTimeoutMs ?? 30_000,
      signal,
    });
  }

  status(target: AdminTarget, signal?: AbortSignal): Promise<AdminResponse> {
    return this.#send(target, 'GET', '/status', { timeoutMs: this.#options.readTimeoutMs ?? 5000, signal });
  }

  info(target: AdminTarget, signal?: AbortSignal): Promise<AdminResponse> {
    return this.#send(target, 'GET', '/', { timeoutMs: this.#options.readTimeoutMs ?? 5000, signal });
  }

  currentConfig(target: AdminTarget, signal?: AbortSignal): Promise<AdminResponse> {
    return this.#send(target, 'GET', '/config', { timeoutMs: this.#options.pushTimeoutMs ?? 30_000, signal });
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.allSettled(agents.map((agent) => agent.close()));
  }

  async #send(
    target: AdminTarget,
    method: 'GET' | 'POST',
    path: string,
    options: { body?: string; timeoutMs: number; signal?: AbortSignal },
  ): Promise<AdminResponse> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const response = await request(new URL(path, target.adminUrl), {
      method,
      dispatcher: this.#agent(target),
      signal,
      headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      body: options.body,
    });
    // Always read the body: an unread body keeps the connection busy.
    const text = await response.body.text();
    let json: unknown;
    const type = String(response.headers['content-type'] ?? '');
    if (type.includes('json') && text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: response.statusCode, headers: response.headers, json, text };
  }

  #agent(target: AdminTarget): Agent {
    const material = this.#options.credentials?.material;
    if (material && material.version !== this.#credentialsVersion) {
      // New credentials: new connections. Old agents finish their requests, then close.
      const old = [...this.#agents.values()];
      this.#agents.clear();
      for (const agent of old) void agent.close();
      this.#credentialsVersion = material.version;
    }
    const serverName = target.serverName ?? new URL(target.adminUrl).hostname;
    let agent = this.#agents.get(serverName);
    if (!agent) {
      agent = new Agent({
        allowH2: false,
        connections: this.#options.connectionsPerProxy ?? 2,
        keepAliveTimeout: 30_000,
        connect: {
          servername: isIpAddress(serverName) ? undefined : serverName,
          ca: material?.ca,
          cert: material?.cert,
          key: material?.key,
          rejectUnauthorized: true,
        },
      });
      this.#agents.set(serverName, agent);
    }
    return agent;
  }
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
