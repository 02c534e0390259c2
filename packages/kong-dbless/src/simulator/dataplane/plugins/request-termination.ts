/**
 * request-termination (PRIORITY 2): answers for the upstream with `status_code` and `message` (JSON) or
 * `body` + `content_type`. With `trigger`, only requests carrying that header or query argument are ended.
 * `echo` is answered like a plain termination (documented).
 */
import { headerValues } from '../router/index.ts';
import { type AccessPlugin, defaultMessage } from './context.ts';

export const requestTermination: AccessPlugin = {
  name: 'request-termination',
  priority: 2,
  access(config, ctx) {
    if (typeof config.trigger === 'string' && config.trigger !== '') {
      const present =
        headerValues(ctx.facts.headers, config.trigger).length > 0 || ctx.facts.query.has(config.trigger);
      if (!present) return undefined;
    }
    const status = typeof config.status_code === 'number' ? config.status_code : 503;
    if (typeof config.body === 'string') {
      const contentType =
        typeof config.content_type === 'string' ? config.content_type : 'application/json; charset=utf-8';
      return { status, body: config.body, contentType };
    }
    return { status, message: typeof config.message === 'string' ? config.message : defaultMessage(status) };
  },
};
