import { Agent, request } from 'undici';
import { trimDescription } from '../kong-errors.ts';
import { type ProxyCounters, projectExposition } from '../traffic/fleet-series.ts';
import { ExpositionError, parseExposition } from '../traffic/prometheus-text.ts';
import { describeNetworkError } from './client.ts';

/**
 * Kong's Status API (`status_listen`, plain HTTP, 8100 in deploy/kong-proxy.yaml) `GET /metrics`: the
 * prometheus plugin's exposition, read as fleet series. A separate client from the Admin API's: no
 * client certificate, another port, and a fixed short deadline (a scrape that waits is worth less
 * than the next one).
 */
export type ScrapeAnswer =
  | { readonly kind: 'ok'; readonly counters: ProxyCounters; readonly durationMs: number }
  | {
      readonly kind: 'failed';
      readonly cause: 'timeout' | 'network' | 'status' | 'format';
      readonly description: string;
    };

export interface StatusMetricsOptions {
  /** Deadline of one scrape unless the call gives its own. @defaultValue 3000 */
  readonly timeoutMs?: number;
}

/** The largest exposition read: a proxy with far more series than any fleet needs is a fault, not data. */
const MAX_BYTES = 32 * 1024 * 1024;

export class StatusMetricsClient {
  readonly #agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  readonly #timeoutMs: number;

  constructor(options: StatusMetricsOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 3000;
  }

  /** One scrape of `statusUrl` (e.g. http://10.0.0.5:8100); the caller's abort is rethrown. */
  async scrape(
    statusUrl: string,
    options: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
  ): Promise<ScrapeAnswer> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const started = performance.now();
    let text: string;
    try {
      const response = await request(new URL('/metrics', statusUrl), {
        method: 'GET',
        dispatcher: this.#agent,
        signal,
      });
      const length = Number(response.headers['content-length'] ?? 0);
      if (length > MAX_BYTES) {
        await response.body.dump();
        return { kind: 'failed', cause: 'format', description: `exposition of ${length} bytes is too large` };
      }
      text = await response.body.text();
      if (response.statusCode !== 200)
        return {
          kind: 'failed',
          cause: 'status',
          description: trimDescription(`GET /metrics answered ${response.statusCode}: ${text}`),
        };
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (deadline.aborted)
        return {
          kind: 'failed',
          cause: 'timeout',
          description: `no answer to GET /metrics within ${timeoutMs} ms`,
        };
      return { kind: 'failed', cause: 'network', description: describeNetworkError(err) };
    }
    try {
      const counters = projectExposition(parseExposition(text));
      return { kind: 'ok', counters, durationMs: Math.round(performance.now() - started) };
    } catch (err) {
      if (!(err instanceof ExpositionError)) throw err;
      return {
        kind: 'failed',
        cause: 'format',
        description: trimDescription(`GET /metrics: ${err.message}`),
      };
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
