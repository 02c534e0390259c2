import { describe, expect, it } from 'vitest';
import { describeEntityError, describeTopLevelErrors } from '../../kong/kong-errors.ts';
import { REDACTED } from '../../kong/redact-config.ts';
import { SecretRedactor } from '../../kong/redact-secrets.ts';
import { buildWithFallback } from '../../kong/translate/index.ts';

describe('redaction touches values, never field names (issue 20)', () => {
  it('a Secret value that is also part of a field name leaves the field name alone', () => {
    // Plugin config from a Secret often holds short words: `key`, `cookie`.
    const redactor = new SecretRedactor(['key', 'cookie', 'Bearer 9f3c1e0b']);
    expect(redactor.redactText('plugin p: config.keys: expected an array')).toBe(
      'plugin p: config.keys: expected an array',
    );
    expect(redactor.redactText('upstream u: hash_on_cookie_path: must be a path')).toBe(
      'upstream u: hash_on_cookie_path: must be a path',
    );
    // Where the value stands on its own, it is still a value.
    expect(redactor.redactText("hash_on: expected one of: ip, header, got 'cookie'")).toBe(
      `hash_on: expected one of: ip, header, got '${REDACTED}'`,
    );
    expect(redactor.redactText('headers.Authorization: Bearer 9f3c1e0b is not allowed')).toBe(
      `headers.Authorization: ${REDACTED} is not allowed`,
    );
    expect(redactor.redact({ whole: 'key', inside: 'x=cookie;', part: 'monkeys' })).toEqual({
      whole: REDACTED,
      inside: `x=${REDACTED};`,
      part: 'monkeys',
    });
  });

  it("a rejected entity's values are redacted, its field names are not", () => {
    const described = describeEntityError({
      entity_type: 'upstream',
      entity_name: 'echo.default.80.svc',
      entity_tags: [],
      entity: { name: 'echo.default.80.svc', hash_on: 'cookie', hash_on_cookie: 'key' },
      errors: [
        { type: 'field', field: 'hash_on_cookie_path', message: "must be set when hash_on is 'cookie'" },
        { type: 'field', field: 'config.keys', message: 'unknown field' },
      ],
    });
    expect(described).toBe(
      "upstream echo.default.80.svc: hash_on_cookie_path: must be set when hash_on is '<redacted>', config.keys: unknown field",
    );
  });

  it("top-level errors show an entity's endpoint key redacted in the path, indexes, ids and fields as they are", () => {
    const described = describeTopLevelErrors({
      keyauth_credentials: {
        'k-2f8a61c4d9e0b3a7':
          "uniqueness violation: 'keyauth_credentials' entity with key set to 'k-2f8a61c4d9e0b3a7' already declared",
      },
      services: { '3': { host: 'invalid host' } },
      certificates: { '0a3c9f1e-5b7d-4e2a-9c1f-3d5e7a9b1c2d': 'expired' },
      _format_version: 'expected one of: 1.1, 2.1, 3.0',
    });
    expect(described).not.toContain('k-2f8a61c4d9e0b3a7');
    expect(described.split(', ')).toEqual([
      "keyauth_credentials.<redacted>: uniqueness violation: '<redacted>' entity with key set to '<redacted>' already declared",
      'services.3.host: invalid host',
      'certificates.0a3c9f1e-5b7d-4e2a-9c1f-3d5e7a9b1c2d: expired',
      '_format_version: expected one of: 1.1',
      '2.1',
      '3.0',
    ]);
  });

  it('the fallback redacts Kong errors naming an entity by a Secret value, of objects it went on to exclude', () => {
    const result = buildWithFallback([
      {
        apiVersion: 'configuration.konghq.com/v1',
        kind: 'KongConsumer',
        metadata: {
          name: 'app',
          namespace: 'default',
          annotations: { 'kubernetes.io/ingress.class': 'kong' },
        },
        username: 'app',
        credentials: ['oauth-app'],
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'oauth-app', namespace: 'default', labels: { 'konghq.com/credential': 'oauth2' } },
        stringData: { name: 'S3cretAppName', client_id: 'cid-5d2e9a', redirect_uris: 'not a url' },
      },
    ]);
    // The last round no longer holds the Secret; its values still count, for the redactors downstream too.
    expect(result.secretValues.has('S3cretAppName')).toBe(true);
    const secretError = result.errors.find((e) => e.object.kind === 'Secret');
    expect(secretError?.reason).toBe(
      `excluded from the build: Kong would reject oauth2_credential ${REDACTED}: redirect_uris.1: cannot parse '<redacted>'`,
    );
    expect(JSON.stringify(result.errors)).not.toContain('S3cretAppName');
  });
});
