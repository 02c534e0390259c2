/**
 * The access phase: the plugins that decide whether a request passes, run in Kong's priority order, each
 * resolved for the consumer known at that point (auth plugins run first and set it). Every other plugin is
 * pass-through (documented in the package README).
 */
import { acl } from './acl.ts';
import { basicAuth } from './basic-auth.ts';
import type { AccessContext, AccessPlugin, Exit } from './context.ts';
import { ipRestriction } from './ip-restriction.ts';
import { keyAuth } from './key-auth.ts';
import { type RateLimitCounters, rateLimiting } from './rate-limiting.ts';
import { requestTermination } from './request-termination.ts';
import { resolvePlugin } from './scope.ts';
import { redirect, requestTransformer, transformHeaders } from './transformers.ts';

export type { AccessContext, Exit } from './context.ts';
export { RateLimitCounters } from './rate-limiting.ts';

/** response-transformer's header operations for the instance that applies to `ctx`, on `headers` (lower-case). */
export function transformResponse(ctx: AccessContext, headers: Record<string, string | string[]>): void {
  const instance = resolvePlugin(
    ctx.config.plugins,
    'response-transformer',
    {
      route: String(ctx.route.id),
      ...(ctx.service ? { service: String(ctx.service.id) } : {}),
      ...(ctx.consumer ? { consumer: String(ctx.consumer.id) } : {}),
    },
    ctx.facts.protocol,
  );
  if (instance) transformHeaders((instance.config ?? {}) as Record<string, unknown>, headers);
}

export interface AccessPhase {
  run(ctx: AccessContext): Exit | undefined;
}

export function accessPhase(counters: () => RateLimitCounters): AccessPhase {
  const plugins: AccessPlugin[] = [
    keyAuth,
    basicAuth,
    ipRestriction,
    acl,
    rateLimiting(counters),
    requestTermination,
    requestTransformer,
    redirect,
  ].sort((a, b) => b.priority - a.priority);
  return {
    run(ctx) {
      for (const plugin of plugins) {
        const instance = resolvePlugin(
          ctx.config.plugins,
          plugin.name,
          {
            route: String(ctx.route.id),
            ...(ctx.service ? { service: String(ctx.service.id) } : {}),
            ...(ctx.consumer ? { consumer: String(ctx.consumer.id) } : {}),
          },
          ctx.facts.protocol,
        );
        if (!instance) continue;
        const exit = plugin.access((instance.config ?? {}) as Record<string, unknown>, ctx, instance);
        if (exit) return exit;
      }
      return undefined;
    },
  };
}
