import { describe, expect, it } from 'vitest';
import { validateDeclarativeConfig } from '../../src/validate/index.ts';

const validate = (config: Record<string, unknown>) =>
  validateDeclarativeConfig(
    { _format_version: '3.0', ...config },
    { kongVersion: '3.10.0', flattenErrors: false },
  );
const fields = (config: Record<string, unknown>) => {
  const r = validate(config);
  return r.ok ? undefined : r.error.fields;
};

describe('vaults and oauth2 entities', () => {
  it('accepts an env vault and rejects a bad prefix or an unknown vault', () => {
    expect(validate({ vaults: [{ name: 'env', prefix: 'my-env', config: { prefix: 'A_B-' } }] }).ok).toBe(
      true,
    );
    expect(fields({ vaults: [{ name: 'env', prefix: 'Bad_' }] })).toEqual({
      vaults: [{ prefix: 'invalid value: Bad_' }],
    });
    expect(fields({ vaults: [{ name: 'aws', prefix: 'aws2' }] })).toEqual({
      vaults: [{ name: "vault 'aws' is not installed" }],
    });
  });

  it('accepts oauth2 credentials and tokens nested in their parents', () => {
    const r = validate({
      consumers: [
        {
          username: 'bob',
          oauth2_credentials: [
            { name: 'c', redirect_uris: ['https://example.com'], oauth2_tokens: [{ expires_in: 10 }] },
          ],
        },
      ],
    });
    expect(r.ok).toBe(true);
  });

  it('checks redirect uris and forbids foreign keys in nested entities', () => {
    expect(
      fields({
        consumers: [{ username: 'bob' }],
        oauth2_credentials: [
          {
            name: 'c',
            consumer: 'bob',
            redirect_uris: ['https://a.test/#x', 'foobar'],
            oauth2_tokens: [{ expires_in: 1, service: 'svc' }],
          },
        ],
      }),
    ).toEqual({
      oauth2_credentials: [
        {
          redirect_uris: ["fragment not allowed in 'https://a.test/#x'", "cannot parse 'foobar'"],
          oauth2_tokens: [{ service: 'value must be null' }],
        },
      ],
    });
  });
});
