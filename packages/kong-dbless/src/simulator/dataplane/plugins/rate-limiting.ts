/**
 * rate-limiting with `policy: local` (PRIORITY 910): fixed windows aligned to the UTC second/minute/hour/day/
 * month/year, counted per identifier (`limit_by`) and per the plugin's own route/service scope, as
 * kong/plugins/rate-limiting/handler.lua does; Kong's `X-RateLimit-*` / `RateLimit-*` headers, 429 +
 * `Retry-After` when a window is used up. Other policies (redis, cluster) count locally too (documented).
 */

import type { KongEntity } from '../../../validate/index.ts';
import { refId } from '../compiled-config.ts';
import { headerValues } from '../router/index.ts';
import type { AccessContext, AccessPlugin } from './context.ts';

const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
type Period = (typeof PERIODS)[number];
/** Kong's EXPIRATION table (seconds), used for `RateLimit-Reset` and the tie-break between windows. */
const WINDOW: Record<Period, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  month: 2592000,
  year: 31536000,
};

function periodStart(period: Period, now: number): number {
  const d = new Date(now);
  switch (period) {
    case 'second':
      return Math.floor(now / 1000) * 1000;
    case 'minute':
      return Math.floor(now / 60_000) * 60_000;
    case 'hour':
      return Math.floor(now / 3_600_000) * 3_600_000;
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'year':
      return Date.UTC(d.getUTCFullYear(), 0, 1);
  }
}

const capitalized = (p: Period) => p[0]!.toUpperCase() + p.slice(1);

function identifier(config: Record<string, unknown>, ctx: AccessContext): string {
  const ip = ctx.facts.clientIp;
  switch (config.limit_by) {
    case 'credential':
      return ctx.credential ? String(ctx.credential.id) : ip;
    case 'ip':
      return ip;
    case 'service':
      return ctx.service ? String(ctx.service.id) : ip;
    case 'header':
      return headerValues(ctx.facts.headers, String(config.header_name ?? ''))[0] ?? ip;
    case 'path':
      return ctx.facts.path === config.path ? ctx.facts.path : ip;
    default:
      return ctx.consumer ? String(ctx.consumer.id) : ip;
  }
}

/** Window counters: survive config reloads, reset on a restart (the data plane owns one and replaces it). */
export class RateLimitCounters {
  private readonly counts = new Map<string, number>();
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  increment(key: string): void {
    this.counts.set(key, this.get(key) + 1);
    // Old windows are forgotten lazily: a bound that keeps a long-running simulator's memory flat.
    if (this.counts.size > 100_000) this.counts.clear();
  }
}

export function rateLimiting(counters: () => RateLimitCounters): AccessPlugin {
  return {
    name: 'rate-limiting',
    priority: 910,
    access(config, ctx, plugin: KongEntity) {
      const now = ctx.now();
      const who = identifier(config, ctx);
      const scope = `${refId(plugin.route) ?? '-'}:${refId(plugin.service) ?? '-'}`;
      const usage: Array<{ period: Period; key: string; limit: number; remaining: number }> = [];
      let stop: Period | undefined;
      for (const period of PERIODS) {
        const limit = config[period];
        if (typeof limit !== 'number') continue;
        const key = `${scope}:${who}:${period}:${periodStart(period, now)}`;
        const remaining = limit - counters().get(key);
        if (remaining <= 0) stop = period;
        usage.push({ period, key, limit, remaining });
      }
      if (usage.length === 0) return undefined;
      const headers: Record<string, string> = {};
      let best: { limit: number; remaining: number; window: number; reset: number } | undefined;
      for (const u of usage) {
        const remaining = Math.max(
          0,
          stop === undefined || stop === u.period ? u.remaining - 1 : u.remaining,
        );
        const window = WINDOW[u.period];
        if (!best || remaining < best.remaining || (remaining === best.remaining && window > best.window)) {
          const elapsed = Math.floor((now - periodStart(u.period, now)) / 1000);
          best = { limit: u.limit, remaining, window, reset: Math.max(1, window - elapsed) };
        }
        headers[`X-RateLimit-Limit-${capitalized(u.period)}`] = String(u.limit);
        headers[`X-RateLimit-Remaining-${capitalized(u.period)}`] = String(remaining);
      }
      headers['RateLimit-Limit'] = String(best!.limit);
      headers['RateLimit-Remaining'] = String(best!.remaining);
      headers['RateLimit-Reset'] = String(best!.reset);
      const hide = config.hide_client_headers === true;
      if (stop) {
        const status = typeof config.error_code === 'number' ? config.error_code : 429;
        const message =
          typeof config.error_message === 'string' ? config.error_message : 'API rate limit exceeded';
        return { status, message, headers: { ...(hide ? {} : headers), 'Retry-After': String(best!.reset) } };
      }
      for (const u of usage) counters().increment(u.key);
      if (!hide) Object.assign(ctx.responseHeaders, headers);
      return undefined;
    },
  };
}
