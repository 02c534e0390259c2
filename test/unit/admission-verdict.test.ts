import { describe, expect, it } from 'vitest';
import { admissionVerdict } from '../../kong/admission-verdict.ts';
import { httpRoute, ingress, kongPlugin } from './translate/helpers.ts';

const CLASS = { 'kubernetes.io/ingress.class': 'kong' };
const consumer = (extra: Record<string, unknown>) => ({
  apiVersion: 'configuration.konghq.com/v1',
  kind: 'KongConsumer',
  metadata: { name: 'alice', namespace: 'default', annotations: CLASS },
  ...extra,
});
const credential = (type: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'alice-key', namespace: 'default', labels: { 'konghq.com/credential': type } },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

describe('admission verdict: refused exactly when the build would drop the object', () => {
  it("refuses a KongPlugin Kong would reject, with Kong's message, though nothing uses it yet", () => {
    expect(admissionVerdict(kongPlugin('p', 'rate-limiting', { config: { minute: 'lots' } }))).toEqual({
      allowed: false,
      message: 'Kong would reject plugin rate-limiting: config.minute: expected a number',
    });
    expect(admissionVerdict(kongPlugin('p', 'rate-limiting', { config: { minute: 5 } }))).toEqual({
      allowed: true,
    });
    expect(admissionVerdict(kongPlugin('p', 'no-such-plugin', {}))).toMatchObject({
      allowed: false,
      message: expect.stringContaining("plugin 'no-such-plugin' not enabled"),
    });
  });

  it('judges an HTTPRoute by its own translation, though no Gateway it names comes with it', () => {
    const backendRefs = [{ kind: 'Service', name: 'svc', port: 80 }];
    const mirror = httpRoute('m', [{ filters: [{ type: 'RequestMirror', requestMirror: {} }], backendRefs }]);
    expect(admissionVerdict(mirror)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('RequestMirror unsupported'),
    });
    expect(admissionVerdict(httpRoute('ok', [{ backendRefs }]))).toEqual({ allowed: true });
  });

  it('judges a KongClusterPlugin of our class the same way', () => {
    const cluster = {
      ...kongPlugin('p', 'rate-limiting', { config: { minute: 'lots' } }),
      kind: 'KongClusterPlugin',
      metadata: { name: 'p', annotations: CLASS },
    };
    expect(admissionVerdict(cluster)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('config.minute'),
    });
  });

  it('refuses a KongConsumer without username or custom_id; admits a complete one', () => {
    expect(admissionVerdict(consumer({}))).toMatchObject({
      allowed: false,
      message: expect.stringContaining('username'),
    });
    expect(admissionVerdict(consumer({ username: 'alice' }))).toEqual({ allowed: true });
  });

  it('refuses a credential Secret the consumer would skip; admits a usable one', () => {
    expect(admissionVerdict(credential('key-auth', {}))).toEqual({
      allowed: false,
      message: 'key-auth credential Secret default/alice-key has no `key`; credential skipped',
    });
    expect(admissionVerdict(credential('key-auth', { key: 'k-123' }))).toEqual({ allowed: true });
  });

  it('admits an Ingress whose Service does not exist yet (apply order is free), refuses none of its own', () => {
    expect(admissionVerdict(ingress('web', { host: 'web.example.com', service: 'not-yet' }))).toEqual({
      allowed: true,
    });
  });

  it('admits what it does not judge: other kinds, Secrets that are no credential, non-objects', () => {
    expect(admissionVerdict({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toEqual({
      allowed: true,
    });
    expect(
      admissionVerdict({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'd' } }),
    ).toEqual({
      allowed: true,
    });
    expect(admissionVerdict('not an object')).toEqual({ allowed: true });
  });

  it('admits an Ingress using another namespace’s plugin before its ReferenceGrant exists', () => {
    // `kubectl apply -f dir` may create the grant next: the build reports the missing grant, the webhook does not refuse.
    const remote = ingress('i', { annotations: { 'konghq.com/plugins': 'shared:auth' } });
    expect(admissionVerdict(remote)).toEqual({ allowed: true });
  });
});
