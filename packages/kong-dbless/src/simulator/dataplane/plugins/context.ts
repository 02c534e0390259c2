/** What an access-phase plugin sees and may change, and how it ends a request (kong.response.error/exit). */

import type { KongEntity } from '../../../validate/index.ts';
import type { CompiledConfig } from '../compiled-config.ts';
import type { RequestFacts } from '../router/index.ts';

export interface AccessContext {
  readonly facts: RequestFacts;
  readonly config: CompiledConfig;
  readonly route: KongEntity;
  readonly service?: KongEntity;
  /** Headers sent upstream (lower-case names); plugins add consumer headers or hide credentials here. */
  readonly upstreamHeaders: Record<string, string | string[]>;
  /** Query sent upstream (key-auth's `hide_credentials` removes the key). */
  readonly upstreamQuery: URLSearchParams;
  /** Headers added to the response whether it is proxied or ended by a plugin (rate-limiting's). */
  readonly responseHeaders: Record<string, string>;
  consumer?: KongEntity;
  credential?: KongEntity;
  /** The upstream path (request-transformer's `replace.uri`), replacing the strip_path/service.path one. */
  upstreamUri?: string;
  /** The upstream Host (request-transformer on `host`), over preserve_host and the peer's. */
  upstreamHost?: string;
  /** Millisecond clock (rate-limiting windows). */
  readonly now: () => number;
}

/** A plugin ending the request: a JSON `{message}` (kong.response.error) or a raw body (kong.response.exit). */
export type Exit =
  | { status: number; message: string; headers?: Record<string, string> }
  | { status: number; body: string; contentType: string; headers?: Record<string, string> };

export interface AccessPlugin {
  name: string;
  /** Kong's PRIORITY: higher runs first. */
  priority: number;
  access(config: Record<string, unknown>, ctx: AccessContext, plugin: KongEntity): Exit | undefined;
}

/** The message Kong's `kong.response.error(status)` uses when none is given. */
export function defaultMessage(status: number): string {
  return (
    {
      400: 'Bad request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not found',
      405: 'Method not allowed',
      406: 'Not acceptable',
      408: 'Request timeout',
      409: 'Conflict',
      413: 'Request size limit exceeded',
      415: 'Unsupported Media Type',
      429: 'API rate limit exceeded',
      500: 'An unexpected error occurred',
      502: 'Bad Gateway',
      503: 'Service unavailable',
      504: 'Gateway timeout',
    }[status] ?? 'The upstream server responded with an error'
  );
}
