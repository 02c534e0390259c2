import { kongEntityId } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { buildWithFallback } from '../../../kong/translate/index.ts';
import { consumer, errorsFor, kongPlugin, run, secret } from './helpers.ts';

const cred = (name: string, type: string, data: Record<string, string>) =>
  secret(name, data, { labels: { 'konghq.com/credential': type } });

const group = (
  name: string,
  annotations: Record<string, string> = { 'kubernetes.io/ingress.class': 'kong' },
) => ({
  apiVersion: 'configuration.konghq.com/v1beta1',
  kind: 'KongConsumerGroup',
  metadata: { name, namespace: 'default', annotations },
});

describe('KongConsumer, credentials, KongConsumerGroup', () => {
  it('consumers get ids from usernames and tags from the KongConsumer', () => {
    const { config } = run([consumer('c', { username: 'alice', custom_id: '42' })]);
    expect(config.consumers).toEqual([
      {
        id: kongEntityId('consumers', 'alice'),
        username: 'alice',
        custom_id: '42',
        tags: [
          'k8s-name:c',
          'k8s-namespace:default',
          'k8s-kind:KongConsumer',
          'k8s-group:configuration.konghq.com',
          'k8s-version:v1',
        ],
      },
    ]);
  });

  it('a consumer with neither username nor custom_id is dropped', () => {
    const { config, errors } = run([consumer('c')]);
    expect(config.consumers).toBeUndefined();
    expect(errorsFor(errors, 'KongConsumer', 'c')[0]).toMatchObject({
      dropped: true,
      reason: 'no username or custom_id specified',
    });
  });

  it('needs the class annotation', () => {
    const c = consumer('c', { username: 'a' });
    (c.metadata as { annotations: Record<string, string> }).annotations = {};
    expect(run([c]).config.consumers).toBeUndefined();
  });

  it('translates every credential type KIC supports', () => {
    const { config, errors } = run([
      consumer('c', { username: 'alice', credentials: ['k', 'b', 'h', 'j', 'a', 'o', 'm'] }),
      cred('k', 'key-auth', { key: 'k-1', ttl: '60', ignored: 'x' }),
      cred('b', 'basic-auth', { username: 'alice', password: 'pw' }),
      cred('h', 'hmac-auth', { username: 'alice-h', secret: 'sh' }),
      cred('j', 'jwt', { key: 'iss', secret: 'sj' }),
      cred('a', 'acl', { group: 'admins' }),
      cred('o', 'oauth2', {
        name: 'app',
        client_id: 'cid',
        client_secret: 'cs',
        redirect_uris: 'https://a,https://b',
        hash_secret: 'true',
      }),
      cred('m', 'mtls-auth', { subject_name: 'CN=alice' }),
    ]);
    expect(errors).toEqual([]);
    const c = config.consumers![0]!;
    const strip = (list: unknown) =>
      (list as Array<Record<string, unknown>>).map(({ tags: _t, ...rest }) => rest);
    expect(strip(c.keyauth_credentials)).toEqual([{ key: 'k-1', ttl: 60 }]);
    expect(strip(c.basicauth_credentials)).toEqual([{ username: 'alice', password: 'pw' }]);
    expect(strip(c.hmacauth_credentials)).toEqual([{ username: 'alice-h', secret: 'sh' }]);
    expect(strip(c.jwt_secrets)).toEqual([{ key: 'iss', secret: 'sj', algorithm: 'HS256' }]);
    expect(strip(c.acls)).toEqual([{ group: 'admins' }]);
    expect(strip(c.oauth2_credentials)).toEqual([
      {
        name: 'app',
        client_id: 'cid',
        client_secret: 'cs',
        redirect_uris: ['https://a', 'https://b'],
        hash_secret: true,
      },
    ]);
    expect(strip(c.mtls_auth_credentials)).toEqual([{ subject_name: 'CN=alice' }]);
    expect(c.keyauth_credentials?.[0]?.tags).toContain('k8s-kind:Secret');
  });

  it('accepts the legacy kongCredType data key', () => {
    const { config } = run([
      consumer('c', { username: 'a', credentials: ['k'] }),
      secret('k', { kongCredType: 'key-auth', key: 'x' }),
    ]);
    expect(config.consumers?.[0]?.keyauth_credentials?.[0]?.key).toBe('x');
  });

  it.each([
    ['missing Secret', [], 'Secret not found'],
    ['no type label', [secret('s', { key: 'v' })], 'no konghq.com/credential label'],
    ['unknown type', [cred('s', 'ldap', { key: 'v' })], 'unsupported credential type "ldap"'],
    ['missing required field', [cred('s', 'key-auth', { other: 'v' })], 'has no `key`'],
  ])(
    '%s: the credential is skipped, the consumer kept, no secret value in the reason',
    (_l, extra, reason) => {
      const { config, errors } = run([consumer('c', { username: 'a', credentials: ['s'] }), ...extra]);
      expect(config.consumers?.[0]?.keyauth_credentials).toBeUndefined();
      expect(errorsFor(errors, 'KongConsumer', 'c')[0]?.reason).toContain(reason);
      expect(JSON.stringify(errors)).not.toContain('"v"');
    },
  );

  it('a broken credential Secret drops only that credential, reported on the Secret and the consumer', () => {
    const result = buildWithFallback([
      consumer('carol', { username: 'carol', credentials: ['carol-key', 'carol-basic', 'carol-nokey'] }),
      cred('carol-key', 'key-auth', { key: 'valid-key-value' }),
      cred('carol-basic', 'basic-auth', { username: 'carol-b' }),
      cred('carol-nokey', 'key-auth', { ttl: '60' }),
    ]);
    expect(result.valid).toBe(true);
    expect(result.excluded).toEqual([]);
    const carol = result.config.consumers?.[0];
    expect(carol?.username).toBe('carol');
    expect(carol?.keyauth_credentials?.map((c) => c.key)).toEqual(['valid-key-value']);
    expect(carol?.basicauth_credentials).toBeUndefined();
    expect(errorsFor(result.errors, 'Secret', 'carol-basic')).toEqual([
      expect.objectContaining({
        dropped: true,
        reason: 'basic-auth credential Secret default/carol-basic has no `password`; credential skipped',
      }),
    ]);
    expect(errorsFor(result.errors, 'Secret', 'carol-nokey')).toEqual([
      expect.objectContaining({
        dropped: true,
        reason: 'key-auth credential Secret default/carol-nokey has no `key`; credential skipped',
      }),
    ]);
    const onConsumer = errorsFor(result.errors, 'KongConsumer', 'carol').map((e) => e.reason);
    expect(onConsumer).toEqual([
      'credential Secret default/carol-basic skipped: basic-auth credential Secret default/carol-basic has no `password`',
      'credential Secret default/carol-nokey skipped: key-auth credential Secret default/carol-nokey has no `key`',
    ]);
    const text = JSON.stringify(result.errors);
    expect(text).not.toContain('valid-key-value');
    expect(text).not.toContain('carol-b"');
  });

  it('an empty required field counts as missing; a bad jwt algorithm is skipped, never shipped', () => {
    const result = buildWithFallback([
      consumer('c', { username: 'a', credentials: ['empty', 'rs'] }),
      cred('empty', 'basic-auth', { username: 'u', password: '' }),
      cred('rs', 'jwt', { key: 'iss', algorithm: 'RS256', secret: 's' }),
    ]);
    expect(result.valid).toBe(true);
    expect(result.config.consumers?.[0]?.username).toBe('a');
    expect(result.config.consumers?.[0]?.jwt_secrets).toBeUndefined();
    expect(errorsFor(result.errors, 'Secret', 'empty')[0]?.reason).toContain('has no `password`');
    expect(errorsFor(result.errors, 'Secret', 'rs')[0]?.reason).toContain(
      'algorithm RS256 needs an `rsa_public_key`',
    );
  });

  it("colliding key-auth keys drop every consumer holding one, with KIC's message (kongstate.go)", () => {
    const { config, errors } = run([
      group('gold'),
      consumer(
        'a',
        { username: 'a', credentials: ['k1'], consumerGroups: ['gold'] },
        { 'konghq.com/plugins': 'rl' },
      ),
      consumer('b', { username: 'b', credentials: ['k2', 'other'] }),
      consumer('c', { username: 'c', credentials: ['k3'], consumerGroups: ['gold'] }),
      cred('k1', 'key-auth', { key: 'same-key' }),
      cred('k2', 'key-auth', { key: 'same-key' }),
      cred('k3', 'key-auth', { key: 'unique-key' }),
      cred('other', 'basic-auth', { username: 'bob', password: 'pw' }),
      kongPlugin('rl', 'rate-limiting', { config: { minute: 5 } }),
    ]);
    // KIC keeps no winner: both holders of the key are left out, with their memberships and plugin bindings.
    expect(config.consumers?.map((c) => c.username)).toEqual(['c']);
    expect(config.consumer_group_consumers).toEqual([{ consumer: 'c', consumer_group: 'gold' }]);
    expect(config.plugins).toBeUndefined();
    const message = `conflict detected in "key-auth on 'key'" index`;
    for (const name of ['a', 'b'])
      expect(errorsFor(errors, 'KongConsumer', name)).toEqual([
        expect.objectContaining({ reason: `${message}; consumer not configured`, dropped: true }),
      ]);
    expect(errorsFor(errors, 'Secret', 'k1')[0]?.reason).toBe(
      `${message}; credential of KongConsumer a not configured`,
    );
    expect(errorsFor(errors, 'Secret', 'k2')[0]?.reason).toContain(message);
    expect(errorsFor(errors, 'KongConsumer', 'c')).toEqual([]);
    expect(JSON.stringify(errors)).not.toContain('same-key');
  });

  it('the same rule holds for every credential with a unique field, within one consumer too', () => {
    const cases: [string, Record<string, string>, string][] = [
      ['basic-auth', { username: 'u', password: 'p' }, "basic-auth on 'username'"],
      ['hmac-auth', { username: 'u', secret: 's' }, "hmac-auth on 'username'"],
      ['jwt', { key: 'iss', secret: 's' }, "jwt-auth on 'key'"],
      ['oauth2', { name: 'app', client_id: 'id1' }, "oauth2-credentials on 'client_id'"],
    ];
    for (const [type, data, index] of cases) {
      const { config, errors } = run([
        consumer('one', { username: 'one', credentials: ['s1', 's2'] }),
        consumer('two', { username: 'two', credentials: ['s3'] }),
        cred('s1', type, data),
        cred('s2', type, data),
        cred('s3', type, {
          ...data,
          ...(type === 'oauth2' ? { client_id: 'id2' } : {}),
          ...('username' in data ? { username: 'v' } : {}),
          ...('key' in data ? { key: 'other' } : {}),
        }),
      ]);
      expect(
        config.consumers?.map((c) => c.username),
        type,
      ).toEqual(['two']);
      expect(errorsFor(errors, 'KongConsumer', 'one')[0]?.reason, type).toBe(
        `conflict detected in "${index}" index; consumer not configured`,
      );
    }
    // ACLs have no unique field: the same group twice is no conflict.
    const acl = run([
      consumer('one', { username: 'one', credentials: ['a1'] }),
      consumer('two', { username: 'two', credentials: ['a2'] }),
      cred('a1', 'acl', { group: 'admins' }),
      cred('a2', 'acl', { group: 'admins' }),
    ]);
    expect(acl.config.consumers?.map((c) => c.username)).toEqual(['one', 'two']);
  });

  it('consumer groups: ids, memberships, plugins on groups, unknown groups reported', () => {
    const { config, errors } = run([
      group('gold', { 'kubernetes.io/ingress.class': 'kong', 'konghq.com/plugins': 'rl' }),
      consumer('c', { username: 'alice', consumerGroups: ['gold', 'silver'] }),
      kongPlugin('rl', 'rate-limiting-advanced', { config: { limit: [5] } }),
    ]);
    expect(config.consumer_groups).toEqual([
      {
        id: kongEntityId('consumergroups', 'gold'),
        name: 'gold',
        tags: expect.arrayContaining(['k8s-kind:KongConsumerGroup']),
      },
    ]);
    expect(config.consumer_group_consumers).toEqual([{ consumer: 'alice', consumer_group: 'gold' }]);
    expect(config.plugins?.[0]).toMatchObject({ consumer_group: 'gold', name: 'rate-limiting-advanced' });
    expect(errorsFor(errors, 'KongConsumer', 'c')[0]?.reason).toContain(
      'nonexistent consumer group "silver"',
    );
  });
});
