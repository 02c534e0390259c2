import { z } from 'zod';
import { roles } from '../queue/define-job.ts';
import { formatDuration, parseDuration } from './duration.ts';

/**
 * Every setting of `kong-fleet run`, declared once: its environment variable, its flag, its default
 * (as a user would write it) and the zod schema that turns the text into a typed value. Precedence
 * is flag > environment > default; see workers/config.ts.
 */
export interface SettingSpec<T> {
  readonly env: string;
  readonly flag: string;
  readonly default: string | undefined;
  readonly help: string;
  readonly schema: z.ZodType<T, string>;
  /** Mask the value in error messages (URLs with passwords, tokens). */
  readonly secret?: boolean;
}

function setting<T, Default extends string | undefined>(
  spec: SettingSpec<T> & { readonly default: Default },
): SettingSpec<T> & { readonly default: Default } {
  return spec;
}

const duration = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration between ${formatDuration(min)} and ${formatDuration(max)} (e.g. 500ms, 10s, 5m)`,
      });
      return z.NEVER;
    }
    return ms;
  });

const integer = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return value;
  });

const redisUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'expected a redis:// or rediss:// URL with a host, e.g. redis://127.0.0.1:6379' },
);

const roleList = z.string().transform((text, ctx) => {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = parts.filter((part) => !(roles as readonly string[]).includes(part));
  if (parts.length === 0 || unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `expected a comma-separated list of: ${roles.join(', ')}` });
    return z.NEVER;
  }
  return [...new Set(parts)] as (typeof roles)[number][];
});

export const settingSpecs = {
  redisUrl: setting({
    env: 'KONG_FLEET_REDIS_URL',
    flag: 'redis-url',
    default: 'redis://127.0.0.1:6379',
    help: 'Redis holding the queues and the controller state (use noeviction and AOF in production)',
    schema: redisUrl,
    secret: true,
  }),
  queuePrefix: setting({
    env: 'KONG_FLEET_QUEUE_PREFIX',
    flag: 'queue-prefix',
    default: 'kong-fleet',
    help: 'prefix of every Redis key, so several fleets can share one Redis',
    schema: z.string().regex(/^[A-Za-z0-9_{}.-]{1,64}$/, {
      message: 'expected 1-64 characters from A-Z a-z 0-9 _ - . { } (no ":")',
    }),
  }),
  roles: setting({
    env: 'KONG_FLEET_ROLES',
    flag: 'roles',
    default: roles.join(','),
    help: 'what this process does: leader (watch, discovery, schedules), build, push, drift',
    schema: roleList,
  }),
  httpHost: setting({
    env: 'KONG_FLEET_HTTP_HOST',
    flag: 'http-host',
    default: '0.0.0.0',
    help: 'address of the HTTP server (/healthz, /readyz, /metrics, /queues, /api)',
    schema: z.string().min(1, { message: 'expected a host name or IP address' }),
  }),
  httpPort: setting({
    env: 'KONG_FLEET_HTTP_PORT',
    flag: 'http-port',
    default: '8080',
    help: 'port of the HTTP server (0 picks a free port)',
    schema: integer(0, 65535),
  }),
  logLevel: setting({
    env: 'KONG_FLEET_LOG_LEVEL',
    flag: 'log-level',
    default: 'info',
    help: 'pino log level',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'expected one of: fatal, error, warn, info, debug, trace, silent',
    }),
  }),
  shutdownTimeoutMs: setting({
    env: 'KONG_FLEET_SHUTDOWN_TIMEOUT',
    flag: 'shutdown-timeout',
    default: '25s',
    help: 'how long in-flight jobs may run after SIGTERM before they are handed back to the queue',
    schema: duration(100, 10 * 60_000),
  }),
} as const;

export type SettingName = keyof typeof settingSpecs;
export type Settings = {
  readonly [K in SettingName]: (typeof settingSpecs)[K] extends SettingSpec<infer T>
    ? (typeof settingSpecs)[K]['default'] extends string
      ? T
      : T | undefined
    : never;
};
