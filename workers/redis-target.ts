import { readFileSync } from 'node:fs';
import type { RedisTarget } from '../queue/connection.ts';
import type { Settings } from './settings.ts';

/**
 * The Redis the settings describe: the URL, the Sentinels that name its primary, the ACL user, and the
 * TLS files. Password files are read when a connection (re)connects, so a rotated Secret needs no restart;
 * their values never reach a log or an error.
 */
export function redisTargetFromSettings(settings: Settings): RedisTarget {
  const secretFile = (path: string) => () => readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  const pem = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path, 'utf8'));
  const ca = pem(settings.redisTlsCa);
  const cert = pem(settings.redisTlsCert);
  const key = pem(settings.redisTlsKey);
  return {
    url: settings.redisUrl,
    ...(settings.redisClusterNodes.length > 0 ? { clusterNodes: settings.redisClusterNodes } : {}),
    ...(settings.redisSentinels.length > 0
      ? { sentinels: settings.redisSentinels, sentinelName: settings.redisSentinelName }
      : {}),
    ...(settings.redisUsername ? { username: settings.redisUsername } : {}),
    ...(settings.redisPasswordFile ? { password: secretFile(settings.redisPasswordFile) } : {}),
    ...(settings.redisSentinelPasswordFile
      ? { sentinelPassword: secretFile(settings.redisSentinelPasswordFile) }
      : {}),
    ...(ca || cert || key
      ? { tls: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } }
      : {}),
  };
}

/** Where Redis is, for logs: the URL without its password, or the Sentinels and the primary's name. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.clusterNodes && target.clusterNodes.length > 0)
    return `cluster ${target.clusterNodes.map(({ host, port }) => `${host}:${port}`).join(',')}`;
  if (target.sentinels && target.sentinels.length > 0)
    return `sentinels ${target.sentinels.map(({ host, port }) => `${host}:${port}`).join(',')} (primary ${target.sentinelName ?? 'mymaster'})`;
  const url = new URL(target.url);
  url.password = url.password ? '****' : '';
  return url.toString();
}
