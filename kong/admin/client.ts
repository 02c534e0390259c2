import { configHash } from '@kong-fleet/kong-dbless';
import { Agent, request } from 'undici';
import { trimDescription } from '../kong-errors.ts';
import {
  type AdminFailure,
  type NodeProfile,
  type PushAnswer,
  parseConfigAnswer,
  parseInfoAnswer,
  parsePushAnswer,
  parseStatusAnswer,
  type RawAnswer,
  type ReadAnswer,
  type StatusReport,
} from './answers.ts';
import { type AdminTimeoutPolicy, AdminTimeouts, type Exchange } from './timeouts.ts';
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
  /** Deadlines: floors, growth with config size, and the cap (see timeouts.ts). */
  readonly timeouts?: AdminTimeoutPolicy;
  /** Sockets per proxy. @defaultValue 2 */
  readonly connectionsPerProxy?: number;
}

export interface ExchangeOptions {
  /** The caller's own cancellation (job timeout, shutdown): rethrown, never reported as the proxy's failure. */
  readonly signal?: AbortSignal;
  /** A shorter (or longer) starting deadline than the policy's; what the proxy has shown it needs still applies. */
  readonly floorMs?: number;
}

/**
 * The Kong Admin API boundary for the endpoints the controller uses (contract: kong-admin-api.md):
 * every answer comes back typed (answers.ts), every deadline adapts to the proxy (timeouts.ts).
 * One undici Agent per TLS server name, rebuilt when the credentials change.
 */
export class KongAdminClient {
  readonly #options: AdminClientOptions;
  readonly #agents = new Map<string, Agent>();
  readonly #timeouts: AdminTimeouts;
  #credentialsVersion = -1;
  /** The last config pushed, as sent: a push wave shares one body and one hash, not one copy per proxy. */
  #lastPush: { readonly text: string; readonly body: Buffer; readonly hash: string } | undefined;

  constructor(options: AdminClientOptions = {}) {
    this.#options = options;
    this.#timeouts = new AdminTimeouts(options.timeouts);
  }

  /**
   * POST /config with the config as the `config` field of a JSON body, so the proxy's
   * configuration_hash is the MD5 of exactly `configText`; check_hash=1 makes an unchanged push a 304.
   */
  async pushConfig(
    target: AdminTarget,
    configText: string,
    options: ExchangeOptions = {},
  ): Promise<PushAnswer> {
    const { body, hash } = this.#pushBody(configText);
    const timeoutMs = this.#timeouts.timeoutFor(target.adminUrl, 'push', {
      sizeBytes: body.byteLength,
      floorMs: options.floorMs,
    });
    const raw = await this.#exchange(target, 'push', 'POST', '/config?check_hash=1&flatten_errors=1', {
      body,
      timeoutMs,
      signal: options.signal,
    });
    return 'kind' in raw ? raw : parsePushAnswer(raw, hash, Date.now());
  }

  /** The JSON body and hash of a config, made once per config (the same text object compares in O(1)). */
  #pushBody(configText: string): { body: Buffer; hash: string } {
    const last = this.#lastPush;
    if (last && last.text === configText) return last;
    const made = {
      text: configText,
      body: Buffer.from(JSON.stringify({ config: configText })),
      hash: configHash(configText),
    };
    this.#lastPush = made;
    return made;
  }

  /** GET /status: the configuration hash the proxy runs, and its counters. */
  async readStatus(target: AdminTarget, options: ExchangeOptions = {}): Promise<ReadAnswer<StatusReport>> {
    const raw = await this.#read(target, '/status', options);
    return 'kind' in raw ? raw : parseStatusAnswer(raw);
  }

  /** GET /: version, router flavor and edition. */
  async readInfo(target: AdminTarget, options: ExchangeOptions = {}): Promise<ReadAnswer<NodeProfile>> {
    const raw = await this.#read(target, '/', options);
    return 'kind' in raw ? raw : parseInfoAnswer(raw);
  }

  /** GET /config: the flat export (YAML text) of what the proxy runs. */
  async readConfig(target: AdminTarget, options: ExchangeOptions = {}): Promise<ReadAnswer<string>> {
    // As large as the config itself: a push's deadline.
    const timeoutMs = this.#timeouts.timeoutFor(target.adminUrl, 'push', { floorMs: options.floorMs });
    const raw = await this.#exchange(target, 'push', 'GET', '/config', { timeoutMs, signal: options.signal });
    return 'kind' in raw ? raw : parseConfigAnswer(raw);
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.allSettled(agents.map((agent) => agent.close()));
  }

  #read(target: AdminTarget, path: string, options: ExchangeOptions): Promise<RawAnswer | AdminFailure> {
    const timeoutMs = this.#timeouts.timeoutFor(target.adminUrl, 'read', { floorMs: options.floorMs });
    return this.#exchange(target, 'read', 'GET', path, { timeoutMs, signal: options.signal });
  }

  /** One request; a network error or our own deadline is a failure, the caller's abort is rethrown. */
  async #exchange(
    target: AdminTarget,
    exchange: Exchange,
    method: 'GET' | 'POST',
    path: string,
    options: { body?: Buffer; timeoutMs: number; signal?: AbortSignal },
  ): Promise<RawAnswer | AdminFailure> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const started = performance.now();
    try {
      const response = await request(new URL(path, target.adminUrl), {
        method,
        dispatcher: this.#agent(target),
        signal,
        headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
        body: options.body,
      });
      // Always read the body: an unread body keeps the connection busy.
      const text = await response.body.text();
      this.#timeouts.answered(target.adminUrl, exchange, performance.now() - started);
      return { status: response.statusCode, headers: response.headers, text };
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (deadline.aborted) {
        this.#timeouts.timedOut(target.adminUrl, exchange, options.timeoutMs);
        return {
          kind: 'failed',
          cause: 'timeout',
          description: `no answer to ${method} ${path.split('?')[0]} within ${options.timeoutMs} ms`,
          error: err,
        };
      }
      return { kind: 'failed', cause: 'network', description: describeNetworkError(err), error: err };
    }
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

export function describeNetworkError(err: unknown): string {
  const error = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = error.cause?.code ?? error.code;
  const message = error.cause?.message ?? error.message ?? String(err);
  return trimDescription(code ? `${code}: ${message}` : message);
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
