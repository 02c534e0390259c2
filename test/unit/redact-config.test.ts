import { describe, expect, it } from 'vitest';
import { REDACTED, redactConfig } from '../../kong/redact-config.ts';

describe('redactConfig', () => {
  it('hides private keys, credentials and plugin secrets, and keeps the rest', () => {
    const config = {
      _format_version: '3.0',
      certificates: [
        {
          id: 'c1',
          cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
          key: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
          snis: [{ name: 'a.example' }],
        },
      ],
      consumers: [
        {
          username: 'alice',
          keyauth_credentials: [{ key: 'alice-key' }],
          basicauth_credentials: [{ username: 'alice', password: 'hunter2' }],
          jwt_secrets: [{ key: 'iss', secret: 's3cret', algorithm: 'HS256' }],
        },
      ],
      plugins: [
        { name: 'key-auth', config: { key_names: ['apikey'] } },
        {
          name: 'rate-limiting',
          config: { policy: 'redis', redis: { host: 'r', redis_password: 'pw' }, redis_password: 'pw' },
        },
        { name: 'openid-connect', config: { client_secret: ['x'], note: '-----BEGIN RSA PRIVATE KEY-----' } },
      ],
    };
    const shown = redactConfig(config) as typeof config;
    expect(shown.certificates[0]!.key).toBe(REDACTED);
    expect(shown.certificates[0]!.cert).toContain('BEGIN CERTIFICATE');
    expect(shown.consumers[0]!.keyauth_credentials[0]!.key).toBe(REDACTED);
    expect(shown.consumers[0]!.basicauth_credentials[0]).toEqual({ username: 'alice', password: REDACTED });
    expect(shown.consumers[0]!.jwt_secrets[0]).toEqual({
      key: REDACTED,
      secret: REDACTED,
      algorithm: 'HS256',
    });
    expect(shown.plugins[0]!.config).toEqual({ key_names: ['apikey'] });
    expect(shown.plugins[1]!.config).toMatchObject({
      policy: 'redis',
      redis: { host: 'r', redis_password: REDACTED },
      redis_password: REDACTED,
    });
    expect(shown.plugins[2]!.config).toEqual({ client_secret: [REDACTED], note: REDACTED });
    expect(JSON.stringify(shown)).not.toMatch(/hunter2|s3cret|alice-key|PRIVATE KEY-----\\nabc/);
    expect(config.consumers[0]!.basicauth_credentials[0]!.password).toBe('hunter2'); // the input is untouched
  });
});
