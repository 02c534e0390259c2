/**
 * How long to wait for one proxy's answer. A fixed deadline fails a proxy that is merely slow
 * forever (every attempt aborted after the same 5 s it never meets), so the deadline grows with the
 * config's size and with what this proxy has shown it needs, up to a cap.
 */

export type Exchange = 'read' | 'push';

export interface AdminTimeoutPolicy {
  /** Deadline for small GETs from a proxy not known to be slow. @defaultValue 5000 */
  readonly readFloorMs?: number;
  /** Deadline for `POST /config` of an empty config from a proxy not known to be slow. @defaultValue 10000 */
  readonly pushFloorMs?: number;
  /** Extra push time per MiB of config text (Kong parses and loads all of it before answering). @defaultValue 2000 */
  readonly pushMsPerMiB?: number;
  /** No deadline is longer than this. @defaultValue 30000 */
  readonly capMs?: number;
}

/** A proxy's last round trip is multiplied by this: an answer a bit slower than the last one still arrives. */
const HEADROOM = 3;
/** Proxies remembered (least recently used forgotten): pods come and go with new addresses. */
const REMEMBERED_PROXIES = 10_000;

interface Seen {
  read?: number;
  push?: number;
}

/** Per-proxy memory of round trips, and the deadlines it implies. One per Admin API client (process). */
export class AdminTimeouts {
  readonly #readFloorMs: number;
  readonly #pushFloorMs: number;
  readonly #pushMsPerMiB: number;
  readonly capMs: number;
  readonly #seen = new Map<string, Seen>();

  constructor(policy: AdminTimeoutPolicy = {}) {
    this.capMs = policy.capMs ?? 30_000;
    this.#readFloorMs = Math.min(policy.readFloorMs ?? 5000, this.capMs);
    this.#pushFloorMs = Math.min(policy.pushFloorMs ?? 10_000, this.capMs);
    this.#pushMsPerMiB = policy.pushMsPerMiB ?? 2000;
  }

  /** The deadline for the next exchange with `proxy`; `floorMs` overrides the policy's floor (drift checks want a short one). */
  timeoutFor(
    proxy: string,
    exchange: Exchange,
    options: { sizeBytes?: number; floorMs?: number } = {},
  ): number {
    const seen = this.#seen.get(proxy);
    const base =
      exchange === 'read'
        ? (options.floorMs ?? this.#readFloorMs)
        : (options.floorMs ?? this.#pushFloorMs) + ((options.sizeBytes ?? 0) / 1048576) * this.#pushMsPerMiB;
    // A push takes at least as long as a read: the network and the proxy's event loop are the same.
    const learned = exchange === 'read' ? (seen?.read ?? 0) : Math.max(seen?.push ?? 0, seen?.read ?? 0);
    return Math.round(Math.min(this.capMs, Math.max(base, HEADROOM * learned)));
  }

  /** An answer arrived after `ms`: the next deadline follows it (down as well as up). */
  answered(proxy: string, exchange: Exchange, ms: number): void {
    this.#remember(proxy, exchange, ms);
  }

  /** No answer within `timeoutMs`: the proxy needs at least that, so the next deadline is longer. */
  timedOut(proxy: string, exchange: Exchange, timeoutMs: number): void {
    this.#remember(proxy, exchange, Math.max(timeoutMs, this.#seen.get(proxy)?.[exchange] ?? 0));
  }

  #remember(proxy: string, exchange: Exchange, ms: number): void {
    const seen = this.#seen.get(proxy) ?? {};
    seen[exchange] = ms;
    this.#seen.delete(proxy);
    this.#seen.set(proxy, seen);
    if (this.#seen.size > REMEMBERED_PROXIES) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }
}
