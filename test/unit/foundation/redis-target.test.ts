import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../../../queue/connection.ts';
import { ConfigError, parseSettings } from '../../../workers/config.ts';
import { describeRedisTarget, redisTargetFromSettings } from '../../../workers/redis-target.ts';

const dir = mkdtempSync(join(tmpdir(), 'kf-redis-target-'));
const passwordFile = join(dir, 'password');
writeFileSync(passwordFile, 's3cret-from-file\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const target = (env: Record<string, string>) =>
  redisTargetFromSettings(parseSettings({ argv: [], env }).settings);

describe('the Redis target from the settings', () => {
  it('asks the Sentinels for the named primary, with the password from its file', () => {
    const t = target({
      KONG_FLEET_REDIS_SENTINELS: 'sentinel-0:26379, sentinel-1:26380,[::1]:26381',
      KONG_FLEET_REDIS_SENTINEL_NAME: 'kong-fleet',
      KONG_FLEET_REDIS_USERNAME: 'kf',
      KONG_FLEET_REDIS_PASSWORD_FILE: passwordFile,
    });
    const options = redisOptions(t);
    expect(options.sentinels).toEqual([
      { host: 'sentinel-0', port: 26379 },
      { host: 'sentinel-1', port: 26380 },
      { host: '::1', port: 26381 },
    ]);
    expect(options.name).toBe('kong-fleet');
    expect(options.username).toBe('kf');
    expect(options.password).toBe('s3cret-from-file');
    expect(describeRedisTarget(t)).toBe(
      'sentinels sentinel-0:26379,sentinel-1:26380,::1:26381 (primary kong-fleet)',
    );
    expect(describeRedisTarget(t)).not.toContain('s3cret');
  });

  it('uses TLS for rediss:// and lets the settings override the URL credentials', () => {
    const t = target({
      KONG_FLEET_REDIS_URL: 'rediss://user:urlpass@redis.example:6380/2',
      KONG_FLEET_REDIS_PASSWORD_FILE: passwordFile,
    });
    const options = redisOptions(t);
    expect(options).toMatchObject({ host: 'redis.example', port: 6380, db: 2, username: 'user' });
    expect(options.password).toBe('s3cret-from-file');
    expect(options.tls).toEqual({ servername: 'redis.example' });
    expect(describeRedisTarget(t)).toBe('rediss://user:****@redis.example:6380/2');
    expect(redisOptions('redis://127.0.0.1:6379').tls).toBeUndefined();
  });

  it('refuses a Sentinel list that is not host:port, naming the bad entry', () => {
    expect(() => target({ KONG_FLEET_REDIS_SENTINELS: 'sentinel-0:26379,sentinel-1' })).toThrow(ConfigError);
    expect(() => target({ KONG_FLEET_REDIS_SENTINELS: 'sentinel-0:26379,sentinel-1' })).toThrow(
      /"sentinel-1" is not host:port/,
    );
    expect(() => target({ KONG_FLEET_REDIS_SENTINELS: 'a:99999' })).toThrow(/not host:port/);
  });
});
