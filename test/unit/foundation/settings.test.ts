import { describe, expect, it } from 'vitest';
import { ConfigError, maskSecret, parseSettings } from '../../../workers/config.ts';
import { settingSpecs } from '../../../workers/settings.ts';

const parse = (argv: string[], env: Record<string, string> = {}) => parseSettings({ argv, env });

describe('settings', () => {
  it('uses the documented defaults when nothing is given', () => {
    const { settings } = parse([]);
    expect(settings).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'kong-fleet',
      roles: ['leader', 'build', 'push', 'drift'],
      httpPort: 8080,
      shutdownTimeoutMs: 25_000,
    });
  });

  it('prefers flags over the environment over defaults', () => {
    const env = { KONG_FLEET_HTTP_PORT: '9000', KONG_FLEET_LOG_LEVEL: 'debug' };
    const { settings } = parse(['--http-port', '9100'], env);
    expect(settings.httpPort).toBe(9100);
    expect(settings.logLevel).toBe('debug');
  });

  it('returns a frozen object', () => {
    const { settings } = parse(['--roles', 'push,build']);
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.roles)).toBe(true);
    expect(settings.roles).toEqual(['push', 'build']);
  });

  it.each([
    [
      ['--redis-url', 'http://localhost:6379'],
      {},
      /--redis-url="http:\/\/localhost:6379": expected a redis:\/\/ or rediss:\/\/ URL/,
    ],
    [
      [],
      { KONG_FLEET_REDIS_URL: 'not a url' },
      /KONG_FLEET_REDIS_URL="not a url": expected a redis:\/\/ or rediss:\/\/ URL/,
    ],
    [['--http-port=70000'], {}, /--http-port="70000": expected a whole number from 0 to 65535/],
    [['--http-port=8o8o'], {}, /--http-port="8o8o": expected a whole number/],
    [
      ['--roles', 'leader,builder'],
      {},
      /--roles="leader,builder": expected a comma-separated list of: leader, build, push, drift/,
    ],
    [['--roles', ''], {}, /--roles="": expected a comma-separated list/],
    [
      [],
      { KONG_FLEET_SHUTDOWN_TIMEOUT: '2 weeks' },
      /KONG_FLEET_SHUTDOWN_TIMEOUT="2 weeks": expected a duration/,
    ],
    [['--log-level', 'verbose'], {}, /--log-level="verbose": expected one of: fatal, error/],
    [['--queue-prefix', 'a:b'], {}, /--queue-prefix="a:b": expected 1-64 characters/],
    [['--no-such-flag'], {}, /unknown option --no-such-flag/],
  ])('rejects %j %j naming the setting, the value and what is allowed', (argv, env, message) => {
    expect(() => parse(argv, env)).toThrow(ConfigError);
    expect(() => parse(argv, env)).toThrow(message);
  });

  it('never prints the password of a Redis URL', () => {
    let message = '';
    try {
      parse(['--redis-url', 'redis://:hunter2@']);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('--redis-url="redis://****@"');
    expect(message).not.toContain('hunter2');
    expect(maskSecret('rediss://user:pw@redis:6380/0')).toBe('rediss://****@redis:6380/0');
  });

  it('gives every setting a distinct env name and flag', () => {
    const specs = Object.values(settingSpecs);
    expect(new Set(specs.map((s) => s.env)).size).toBe(specs.length);
    expect(new Set(specs.map((s) => s.flag)).size).toBe(specs.length);
    for (const spec of specs) expect(spec.env).toMatch(/^KONG_FLEET_[A-Z_]+$/);
  });

  it('makes the queue prefix a hash tag in Redis Cluster mode, and refuses Cluster with Sentinels', () => {
    const env = { KONG_FLEET_REDIS_CLUSTER_NODES: 'redis-0:6379, redis-1:6379' };
    const { settings } = parse([], env);
    expect(settings.redisClusterNodes).toEqual([
      { host: 'redis-0', port: 6379 },
      { host: 'redis-1', port: 6379 },
    ]);
    expect(settings.queuePrefix).toBe('{kong-fleet}');
    expect(parse(['--queue-prefix', '{team}-a'], env).settings.queuePrefix).toBe('{team}-a');
    expect(parse([]).settings.queuePrefix).toBe('kong-fleet');
    expect(() => parse([], { ...env, KONG_FLEET_REDIS_SENTINELS: 's-0:26379' })).toThrow(ConfigError);
    expect(() => parse([], { KONG_FLEET_REDIS_CLUSTER_NODES: 'redis-0' })).toThrow(
      /host:port, e.g. redis-0:6379/,
    );
  });
});
