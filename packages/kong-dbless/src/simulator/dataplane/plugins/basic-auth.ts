/** basic-auth (PRIORITY 1100): `Authorization: Basic` names a consumer's basicauth_credential. */
import { createHash } from 'node:crypto';
import { headerValues } from '../router/index.ts';
import { accept, alreadyAuthenticated, refuseOrAnonymous } from './authenticate.ts';
import type { AccessPlugin, Exit } from './context.ts';

/** Kong stores `sha1(password .. consumer_id)`; a config may carry either that hash or the plain password. */
function passwordMatches(stored: string, given: string, consumerId: string): boolean {
  return (
    stored === given ||
    stored ===
      createHash('sha1')
        .update(given + consumerId)
        .digest('hex')
  );
}

export const basicAuth: AccessPlugin = {
  name: 'basic-auth',
  priority: 1100,
  access(config, ctx) {
    if (alreadyAuthenticated(config, ctx)) return undefined;
    const realm = typeof config.realm === 'string' ? config.realm : 'service';
    const refusal: Exit = {
      status: 401,
      message: 'Unauthorized',
      headers: { 'WWW-Authenticate': `Basic realm="${realm}"` },
    };
    const header =
      headerValues(ctx.facts.headers, 'authorization')[0] ??
      headerValues(ctx.facts.headers, 'proxy-authorization')[0];
    const m = header ? /^\s*Basic\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return refuseOrAnonymous(config, ctx, refusal);
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return refuseOrAnonymous(config, ctx, refusal);
    const username = decoded.slice(0, colon);
    const credential = ctx.config.basicauthByUsername.get(username);
    const consumerId = String((credential?.consumer as { id?: string } | null)?.id ?? '');
    if (!credential || !passwordMatches(String(credential.password), decoded.slice(colon + 1), consumerId))
      return refuseOrAnonymous(config, ctx, refusal);
    if (config.hide_credentials === true) {
      delete ctx.upstreamHeaders.authorization;
      delete ctx.upstreamHeaders['proxy-authorization'];
    }
    return accept(ctx, credential, username);
  },
};
