/** acl (PRIORITY 950): the authenticated consumer's groups (its `acls`) against `allow` / `deny`. */
import type { AccessPlugin } from './context.ts';

const FORBIDDEN = 'You cannot consume this service';

export const acl: AccessPlugin = {
  name: 'acl',
  priority: 950,
  access(config, ctx) {
    if (!ctx.consumer) return { status: 401, message: 'Unauthorized' };
    const groups = ctx.config.aclGroups.get(String(ctx.consumer.id)) ?? [];
    const allow = Array.isArray(config.allow) ? config.allow.map(String) : undefined;
    const deny = Array.isArray(config.deny) ? config.deny.map(String) : undefined;
    if (allow && !groups.some((g) => allow.includes(g))) return { status: 403, message: FORBIDDEN };
    if (deny?.some((g) => groups.includes(g))) return { status: 403, message: FORBIDDEN };
    if (config.hide_groups_header !== true && groups.length > 0)
      ctx.upstreamHeaders['x-consumer-groups'] = groups.join(', ');
    return undefined;
  },
};
