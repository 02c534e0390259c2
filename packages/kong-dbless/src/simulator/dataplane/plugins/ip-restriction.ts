/** ip-restriction (PRIORITY 990): the client address against `deny` then `allow` (IPs and CIDRs, v4 and v6). */
import { BlockList, isIP } from 'node:net';
import type { AccessPlugin } from './context.ts';

const lists = new WeakMap<object, BlockList>();

function blockList(entries: unknown): BlockList | undefined {
  if (!Array.isArray(entries) || entries.length === 0) return undefined;
  const cached = lists.get(entries);
  if (cached) return cached;
  const list = new BlockList();
  for (const entry of entries.map(String)) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, family);
    else list.addSubnet(address!, Number(bits), family);
  }
  lists.set(entries, list);
  return list;
}

/** `::ffff:127.0.0.1` (a v4 client on a dual-stack socket) is checked as `127.0.0.1`. */
function clientAddress(ip: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return { address: v4[1]!, family: 'ipv4' };
  return { address: ip, family: isIP(ip) === 6 ? 'ipv6' : 'ipv4' };
}

export const ipRestriction: AccessPlugin = {
  name: 'ip-restriction',
  priority: 990,
  access(config, ctx) {
    const { address, family } = clientAddress(ctx.facts.clientIp);
    const status = typeof config.status === 'number' ? config.status : 403;
    const message = typeof config.message === 'string' ? config.message : 'Your IP address is not allowed';
    const deny = blockList(config.deny);
    if (deny?.check(address, family)) return { status, message };
    const allow = blockList(config.allow);
    if (allow && !allow.check(address, family)) return { status, message };
    return undefined;
  },
};
