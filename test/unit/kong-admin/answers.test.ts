import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import {
  parseInfoAnswer,
  parsePushAnswer,
  parseStatusAnswer,
  type RawAnswer,
} from '../../../kong/admin/answers.ts';
import { parseRetryAfter } from '../../../kong/admin/retry-after.ts';
import { AdminTimeouts } from '../../../kong/admin/timeouts.ts';

const json = (status: number, body: unknown, headers: RawAnswer['headers'] = {}): RawAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  text: JSON.stringify(body),
});
const HASH = 'a'.repeat(32);
const NOW = Date.parse('2026-12-02T08:00:00Z');

describe('Retry-After', () => {
  it('reads delta-seconds, fractional ones too (Kong: min(remaining lock TTL, 10))', () => {
    expect(parseRetryAfter('10', NOW)).toBe(10_000);
    expect(parseRetryAfter('0.25', NOW)).toBe(250);
    expect(parseRetryAfter(['3', '7'], NOW)).toBe(3000);
  });

  it('reads an HTTP-date as the time left until then, never NaN', () => {
    expect(parseRetryAfter('Wed, 02 Dec 2026 08:00:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Wednesday, 02-Dec-26 08:00:05 GMT', NOW)).toBe(5000);
    expect(parseRetryAfter('Wed, 02 Dec 2026 07:59:00 GMT', NOW)).toBe(0);
  });

  it('gives undefined for what it cannot read, so the caller uses its own delay', () => {
    for (const value of [undefined, '', 'soon', '-1', '1e3', 'Wed, 99 Foo 2026'])
      expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('POST /config answers', () => {
  it('201 and 304 carry the hash the proxy must report', () => {
    expect(parsePushAnswer({ status: 201, headers: {}, text: '{}' }, HASH, NOW)).toEqual({
      kind: 'accepted',
      hash: HASH,
    });
    expect(parsePushAnswer({ status: 304, headers: {}, text: '' }, HASH, NOW)).toEqual({
      kind: 'unchanged',
      hash: HASH,
    });
  });

  it('429 is busy with the Retry-After delay in either form', () => {
    const busy = (retryAfter: string) =>
      parsePushAnswer(
        json(429, { message: 'Currently loading previous configuration' }, { 'retry-after': retryAfter }),
        HASH,
        NOW,
      );
    expect(busy('2')).toEqual({ kind: 'busy', retryAfterMs: 2000 });
    expect(busy('Wed, 02 Dec 2026 08:00:03 GMT')).toEqual({ kind: 'busy', retryAfterMs: 3000 });
  });

  it("a 400 without Kong's declarative error is a transient failure, not a verdict", () => {
    const page = '<html><head><title>400 No required SSL certificate was sent</title></head></html>';
    expect(
      parsePushAnswer({ status: 400, headers: { 'content-type': 'text/html' }, text: page }, HASH, NOW),
    ).toEqual({
      kind: 'failed',
      cause: 'http',
      status: 400,
      description: 'HTTP 400 without configuration errors: 400 No required SSL certificate was sent',
    });
    expect(parsePushAnswer(json(400, { message: 'injected failure (400)' }), HASH, NOW)).toMatchObject({
      kind: 'failed',
      cause: 'http',
    });
  });

  it('a rejected config keeps the entity errors and describes them without the values Kong quotes', () => {
    const tags = ['k8s-name:guard', 'k8s-namespace:ns', 'k8s-kind:KongPlugin'];
    const verdict = validateDeclarativeConfig(
      {
        _format_version: '3.0',
        plugins: [{ name: 'ip-restriction', tags, config: { allow: ['s3cr3t-range'] } }],
      },
      { flattenErrors: true },
    );
    expect(verdict.ok).toBe(false);
    const answer = parsePushAnswer(json(400, verdict.ok ? {} : verdict.error), HASH, NOW);
    expect(answer).toMatchObject({ kind: 'rejected', status: 400 });
    if (answer.kind !== 'rejected') return;
    expect(answer.errors[0]?.entity_tags).toEqual(tags);
    expect(answer.description).toBe(
      "plugin ip-restriction: config.allow.1: invalid ip or cidr range: '<redacted>'",
    );
  });

  it('uniqueness violations Kong leaves in `fields` (no entity, the value quoted) are redacted too', () => {
    // Kong's last pass keys a repeated unique field by the entity's endpoint key, not by an index, so
    // flatten_errors cannot place it and leaves it in `fields` (the answer is written out: the validator
    // finds these repeats earlier, at an index).
    const message =
      "uniqueness violation: 'keyauth_credentials' entity with key set to 's3cr3t-api-key' already declared";
    const kongAnswer = {
      code: 14,
      name: 'invalid declarative configuration',
      message: `declarative config is invalid: {keyauth_credentials={["s3cr3t-api-key"]="${message}"}}`,
      fields: { keyauth_credentials: { 's3cr3t-api-key': message } },
      flattened_errors: [],
    };
    const answer = parsePushAnswer(json(400, kongAnswer), HASH, NOW);
    expect(answer).toMatchObject({ kind: 'rejected', errors: [] });
    if (answer.kind !== 'rejected') return;
    // The quoted value is redacted, and so is the path segment Kong keys the error by (the endpoint key is
    // the key-auth key itself); the collection name stays.
    expect(answer.description).toBe(
      "keyauth_credentials.<redacted>: uniqueness violation: '<redacted>' entity with key set to '<redacted>' already declared",
    );
    expect(answer.description).not.toContain('s3cr3t-api-key');
  });

  it('413 is a verdict (too large); 5xx a failure with the message', () => {
    expect(parsePushAnswer({ status: 413, headers: {}, text: '<html>' }, HASH, NOW)).toMatchObject({
      kind: 'rejected',
      status: 413,
    });
    expect(parsePushAnswer(json(503, { message: 'Kong currently exiting' }), HASH, NOW)).toEqual({
      kind: 'failed',
      cause: 'http',
      status: 503,
      description: 'HTTP 503: Kong currently exiting',
    });
  });
});

describe('GET /status and GET /', () => {
  it('reads the hash and the counters; an odd body is a failure, not a hash', () => {
    expect(parseStatusAnswer(json(200, { configuration_hash: HASH, server: { total_requests: 3 } }))).toEqual(
      {
        kind: 'ok',
        value: { configurationHash: HASH, server: { total_requests: 3 } },
      },
    );
    expect(parseStatusAnswer(json(200, { configuration_hash: 'nope' }))).toMatchObject({
      kind: 'failed',
      cause: 'malformed',
    });
  });

  it('reads version, router flavor and edition (Kong before 3.0 reports no flavor: traditional)', () => {
    const info = { version: '3.9.1', edition: 'enterprise', configuration: { router_flavor: 'expressions' } };
    expect(parseInfoAnswer(json(200, info))).toEqual({
      kind: 'ok',
      value: { version: '3.9.1', routerFlavor: 'expressions', edition: 'enterprise' },
    });
    expect(parseInfoAnswer(json(200, { version: '2.8.4' }))).toEqual({
      kind: 'ok',
      value: { version: '2.8.4', routerFlavor: 'traditional', edition: 'community' },
    });
  });
});

describe('admin deadlines', () => {
  it('start at the floors, grow with the config size, and never pass the cap', () => {
    const timeouts = new AdminTimeouts({ capMs: 30_000 });
    expect(timeouts.timeoutFor('p', 'read')).toBe(5000);
    expect(timeouts.timeoutFor('p', 'read', { floorMs: 3000 })).toBe(3000);
    expect(timeouts.timeoutFor('p', 'push')).toBe(10_000);
    expect(timeouts.timeoutFor('p', 'push', { sizeBytes: 5 * 1048576 })).toBe(20_000);
    expect(timeouts.timeoutFor('p', 'push', { sizeBytes: 50 * 1048576 })).toBe(30_000);
  });

  it('follow what a proxy has shown it needs: longer after a timeout, back down after fast answers', () => {
    const timeouts = new AdminTimeouts({ capMs: 30_000 });
    timeouts.timedOut('slow', 'read', 5000);
    expect(timeouts.timeoutFor('slow', 'read')).toBe(15_000);
    timeouts.answered('slow', 'read', 8000);
    expect(timeouts.timeoutFor('slow', 'read')).toBe(24_000);
    // A push waits at least as long as the proxy's reads take.
    expect(timeouts.timeoutFor('slow', 'push')).toBe(24_000);
    timeouts.timedOut('slow', 'read', 24_000);
    expect(timeouts.timeoutFor('slow', 'read')).toBe(30_000);
    timeouts.answered('slow', 'read', 20);
    expect(timeouts.timeoutFor('slow', 'read')).toBe(5000);
    expect(timeouts.timeoutFor('other', 'read')).toBe(5000);
  });
});
