/** key-auth (PRIORITY 1250): a key from a header or the query string names a consumer's keyauth_credential. */
import { headerValues } from '../router/index.ts';
import { accept, alreadyAuthenticated, refuseOrAnonymous } from './authenticate.ts';
import type { AccessPlugin, Exit } from './context.ts';

export const keyAuth: AccessPlugin = {
  name: 'key-auth',
  priority: 1250,
  access(config, ctx) {
    if (alreadyAuthenticated(config, ctx)) return undefined;
    const realm = typeof config.realm === 'string' ? `Key realm="${config.realm}"` : 'Key';
    const refuse = (message: string): Exit => ({
      status: 401,
      message,
      headers: { 'WWW-Authenticate': realm },
    });
    const names = Array.isArray(config.key_names) ? config.key_names.map(String) : ['apikey'];
    let key: string | undefined;
    for (const name of names) {
      if (config.key_in_header !== false) {
        const values = headerValues(ctx.facts.headers, name);
        if (values.length > 0) {
          key = values[0];
          if (config.hide_credentials === true) delete ctx.upstreamHeaders[name.toLowerCase()];
          break;
        }
      }
      if (config.key_in_query !== false && ctx.facts.query.has(name)) {
        const values = ctx.facts.query.getAll(name);
        if (values.length > 1) return refuse('Duplicate API key found');
        key = values[0];
        if (config.hide_credentials === true) ctx.upstreamQuery.delete(name);
        break;
      }
    }
    if (key === undefined || key === '')
      return refuseOrAnonymous(config, ctx, refuse('No API key found in request'));
    const credential = ctx.config.keyauthByKey.get(key);
    if (!credential) return refuseOrAnonymous(config, ctx, refuse('Unauthorized'));
    return accept(ctx, credential, String(credential.id));
  },
};
