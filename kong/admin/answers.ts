import type { FlattenedError, KongEdition, RouterFlavor } from '@kong-fleet/kong-dbless';
import { z } from 'zod';
import {
  describeTopLevelErrors,
  redactQuoted,
  summarizeEntityErrors,
  trimDescription,
} from '../kong-errors.ts';
import { parseRetryAfter } from './retry-after.ts';

/**
 * Every Admin API answer the controller acts on, parsed (zod) into a typed result. The jobs branch
 * on `kind` and never look at status codes, headers or bodies themselves (contract:
 * reference/kong-admin-api.md §2.4, §4, §5).
 */

/** What a proxy says about itself in `GET /`: what its own validation depends on. */
export interface NodeProfile {
  readonly version: string;
  readonly routerFlavor: RouterFlavor;
  readonly edition: KongEdition;
}

/** `GET /status`. */
export interface StatusReport {
  readonly configurationHash: string;
  /** nginx counters (`total_requests`, `connections_active`, …). */
  readonly server: Readonly<Record<string, number>>;
}

/** No usable answer: the network, a timeout, an HTTP status that is no verdict, or a body we cannot read. */
export interface AdminFailure {
  readonly kind: 'failed';
  readonly cause: 'network' | 'timeout' | 'http' | 'malformed';
  readonly status?: number;
  /** For lastError, Events and logs: values quoted by the proxy are redacted. */
  readonly description: string;
  /** The transport error (network, timeout). */
  readonly error?: unknown;
}

export type ReadAnswer<T> = { readonly kind: 'ok'; readonly value: T } | AdminFailure;

export type PushAnswer =
  /** 201: loaded; `hash` is what `GET /status` must now report (the MD5 of the pushed text). */
  | { readonly kind: 'accepted'; readonly hash: string }
  /** 304 (`check_hash=1`): the proxy already runs exactly this text. */
  | { readonly kind: 'unchanged'; readonly hash: string }
  /** A verdict on the config: Kong's declarative error (400, code 14) or too large (413). */
  | {
      readonly kind: 'rejected';
      readonly status: 400 | 413;
      readonly errors: readonly FlattenedError[];
      readonly description: string;
    }
  /** 429: another load holds the node's lock. `retryAfterMs` undefined when the header is absent or unreadable. */
  | { readonly kind: 'busy'; readonly retryAfterMs: number | undefined }
  | AdminFailure;

/** One HTTP exchange as the transport saw it. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

const FlattenedErrorSchema = z.looseObject({
  entity_type: z.string(),
  entity_name: z.string().optional(),
  entity_id: z.string().optional(),
  entity_tags: z.array(z.string()).optional(),
  entity: z.record(z.string(), z.unknown()),
  errors: z.array(z.looseObject({ type: z.string(), field: z.string().optional(), message: z.string() })),
});

/** Kong's declarative-config error (§2.5.1): the only 400 that is a verdict on the config. */
const DeclarativeErrorSchema = z.looseObject({
  code: z.literal(14),
  message: z.string().optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  // Checked entry by entry below: one odd entry must not turn a verdict into a transient failure.
  flattened_errors: z.array(z.unknown()).optional(),
});

const MessageSchema = z.looseObject({ message: z.string() });

const StatusSchema = z.looseObject({
  configuration_hash: z.string().regex(/^[0-9a-f]{32}$/),
  server: z.record(z.string(), z.number()).optional(),
});

const InfoSchema = z.looseObject({
  version: z.string().min(1),
  edition: z.enum(['community', 'enterprise']).optional(),
  configuration: z
    .looseObject({
      router_flavor: z.enum(['traditional_compatible', 'traditional', 'expressions']).optional(),
    })
    .optional(),
});

const ConfigSchema = z.looseObject({ config: z.string() });

export function parsePushAnswer(answer: RawAnswer, pushedHash: string, nowMs: number): PushAnswer {
  switch (answer.status) {
    case 201:
      return { kind: 'accepted', hash: pushedHash };
    case 304:
      return { kind: 'unchanged', hash: pushedHash };
    case 429:
      return { kind: 'busy', retryAfterMs: parseRetryAfter(answer.headers['retry-after'], nowMs) };
    case 413:
      return {
        kind: 'rejected',
        status: 413,
        errors: [],
        description: 'configuration too large for the proxy',
      };
    case 400: {
      const parsed = DeclarativeErrorSchema.safeParse(jsonOf(answer));
      // Any other 400 (nginx's client-certificate pages, a proxy in front of Kong) says nothing
      // about the config: a transient failure, retried with backoff.
      if (!parsed.success) return httpFailure(answer, 'without configuration errors');
      const errors = (parsed.data.flattened_errors ?? []).flatMap((entry) => {
        const checked = FlattenedErrorSchema.safeParse(entry);
        return checked.success ? [checked.data as FlattenedError] : [];
      });
      const description =
        [summarizeEntityErrors(errors), describeTopLevelErrors(parsed.data.fields ?? {})]
          .filter((part) => part.length > 0)
          .join('; ') || 'declarative config is invalid (no details given)';
      return { kind: 'rejected', status: 400, errors, description: trimDescription(description) };
    }
    default:
      return httpFailure(answer);
  }
}

export function parseStatusAnswer(answer: RawAnswer): ReadAnswer<StatusReport> {
  if (answer.status !== 200) return httpFailure(answer);
  const parsed = StatusSchema.safeParse(jsonOf(answer));
  if (!parsed.success) return malformed('GET /status', parsed.error);
  return {
    kind: 'ok',
    value: { configurationHash: parsed.data.configuration_hash, server: parsed.data.server ?? {} },
  };
}

export function parseInfoAnswer(answer: RawAnswer): ReadAnswer<NodeProfile> {
  if (answer.status !== 200) return httpFailure(answer);
  const parsed = InfoSchema.safeParse(jsonOf(answer));
  if (!parsed.success) return malformed('GET /', parsed.error);
  return {
    kind: 'ok',
    value: {
      version: parsed.data.version,
      // Kong before 3.0 had one router and did not report it.
      routerFlavor: parsed.data.configuration?.router_flavor ?? 'traditional',
      edition: parsed.data.edition ?? 'community',
    },
  };
}

export function parseConfigAnswer(answer: RawAnswer): ReadAnswer<string> {
  if (answer.status !== 200) return httpFailure(answer);
  const parsed = ConfigSchema.safeParse(jsonOf(answer));
  if (!parsed.success) return malformed('GET /config', parsed.error);
  return { kind: 'ok', value: parsed.data.config };
}

function httpFailure(answer: RawAnswer, qualifier?: string): AdminFailure {
  const message = MessageSchema.safeParse(jsonOf(answer));
  const detail = message.success ? message.data.message : textOf(answer.text);
  const head = `HTTP ${answer.status}${qualifier ? ` ${qualifier}` : ''}`;
  return {
    kind: 'failed',
    cause: 'http',
    status: answer.status,
    description: trimDescription(detail ? `${head}: ${redactQuoted(detail)}` : head),
  };
}

function malformed(what: string, error: z.ZodError): AdminFailure {
  const where = error.issues[0]?.path.join('.') || 'body';
  return {
    kind: 'failed',
    cause: 'malformed',
    description: `${what} answered an unexpected body (${where})`,
  };
}

function jsonOf(answer: RawAnswer): unknown {
  if (answer.text.length === 0) return undefined;
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}

/** An HTML error page's text, tags and whitespace removed. */
function textOf(body: string): string {
  return body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}
