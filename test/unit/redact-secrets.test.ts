import { describe, expect, it } from 'vitest';
import { canonicalConfig } from '../../kong/canonical.ts';
import { REDACTED } from '../../kong/redact-config.ts';
import { SecretRedactor, secretPaths, valuesAt } from '../../kong/redact-secrets.ts';
import { buildWithFallback } from '../../kong/translate/index.ts';
import { secretReferencesOf } from '../../kong/translate/secret-references.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const ns = 'default';
const token = 'Bearer 9f3c1e0b7a2d4c6e8f1a3b5c7d9e0f21';
const apiKey = 'k-2f8a61c4d9e0b3a7';

const objects = [
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'log-conf', namespace: ns },
    data: {
      config: b64(
        JSON.stringify({ http_endpoint: 'http://logs.example/', headers: { Authorization: token } }),
      ),
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'alice-key', namespace: ns, labels: { 'konghq.com/credential': 'key-auth' } },
    data: { key: b64(apiKey) },
  },
  {
    apiVersion: 'configuration.konghq.com/v1',
    kind: 'KongPlugin',
    metadata: { name: 'log', namespace: ns },
    plugin: 'http-log',
    configFrom: { secretKeyRef: { name: 'log-conf', key: 'config' } },
  },
  {
    apiVersion: 'configuration.konghq.com/v1',
    kind: 'KongConsumer',
    metadata: { name: 'alice', namespace: ns, annotations: { 'kubernetes.io/ingress.class': 'kong' } },
    username: 'alice',
    credentials: ['alice-key'],
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'echo', namespace: ns },
    spec: { ports: [{ port: 80 }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'echo', namespace: ns, annotations: { 'konghq.com/plugins': 'log' } },
    spec: {
      ingressClassName: 'kong',
      tls: [{ secretName: 'echo-tls', hosts: ['echo.example'] }],
      rules: [
        {
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  },
];

describe('redaction by provenance', () => {
  it('records what came out of Secrets whatever the field is called, and redacts exactly that', () => {
    const result = buildWithFallback(objects);
    expect(result.valid).toBe(true);
    expect(result.secretValues.has(token)).toBe(true);
    expect(result.secretValues.has(apiKey)).toBe(true);
    const { text } = canonicalConfig(result.config);
    expect(text).toContain(token);
    const config: unknown = JSON.parse(text);
    const paths = secretPaths(config, result.secretValues);
    expect(paths).toContain('/plugins/0/config/headers/Authorization');
    expect(paths.some((path) => path.endsWith('/keyauth_credentials/0/key'))).toBe(true);
    expect(JSON.stringify(paths)).not.toContain(token);

    // Only the paths are kept with the build; the values are read back from the config itself.
    const redactor = SecretRedactor.forConfig(config, paths);
    expect(valuesAt(config, paths)).toEqual(new Set([token, apiKey, 'http://logs.example/']));
    const shown = JSON.stringify(redactor.redact(config));
    expect(shown).not.toContain(token);
    expect(shown).not.toContain(apiKey);
    expect(shown).toContain(REDACTED);
    // What did not come from a Secret stays readable.
    expect(shown).toContain('http-log');
    expect(shown).toContain('"username":"alice"');
  });

  it('redacts Secret values inside free text and as parts of longer strings', () => {
    const redactor = new SecretRedactor([token, 'ab']);
    expect(redactor.redactText(`invalid header: '${token}' in plugin`)).toBe(
      `invalid header: '${REDACTED}' in plugin`,
    );
    expect(redactor.redact({ note: `x-${token}-y`, short: 'ab', other: 'about' })).toEqual({
      note: `x-${REDACTED}-y`,
      short: REDACTED,
      // Values shorter than three characters are replaced only where they are the whole value.
      other: 'about',
    });
    expect(SecretRedactor.none.redact({ a: token })).toEqual({ a: token });
  });

  it('names the Secrets each object makes the translator read', () => {
    const [, , plugin, consumer, , ingress] = objects;
    expect(secretReferencesOf(plugin as never)).toEqual([`${ns}/log-conf`]);
    expect(secretReferencesOf(consumer as never)).toEqual([`${ns}/alice-key`]);
    expect(secretReferencesOf(ingress as never)).toEqual([`${ns}/echo-tls`]);
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'edge' },
      spec: {
        listeners: [
          {
            tls: {
              certificateRefs: [{ name: 'gw-cert' }, { name: 'other', namespace: 'certs', kind: 'Secret' }],
            },
          },
          { tls: { certificateRefs: [{ name: 'not-a-secret', kind: 'ConfigMap' }] } },
        ],
      },
    };
    expect(secretReferencesOf(gateway as never)).toEqual(['edge/gw-cert', 'certs/other']);
  });
});
