import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { describe, expect, it } from 'vitest';
import { parseSecretConfig } from '../../../kong/translate/plugin-config.ts';
import { consumer, ingress, kongPlugin, run, service, TEST_CERT, TEST_KEY } from './helpers.ts';

/** A Secret as the API server stores it: `data` in base64, so the bytes are exactly these. */
const secretBytes = (
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default', labels, annotations, uid: `uid-${name}` },
  data: Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]),
  ),
});
const caSecret = (cert: string) =>
  secretBytes(
    'ca',
    { id: '8f2c1f5e-0d6b-4b9e-9f3e-2f1f3f2c1a01', cert },
    { 'konghq.com/ca-cert': 'true' },
    { 'kubernetes.io/ingress.class': 'kong' },
  );

describe('Secret bytes reach the config exactly as stored (as KIC copies them)', () => {
  it('a CA certificate keeps its trailing newline, CRLF line ends and all', () => {
    const withNewline = `${TEST_CERT.trimEnd()}\n`;
    const crlf = `${TEST_CERT.trimEnd().replaceAll('\n', '\r\n')}\r\n`;
    for (const cert of [withNewline, crlf, TEST_CERT.trimEnd()]) {
      const { config } = run([caSecret(cert)]);
      expect(config.ca_certificates?.[0]?.cert).toBe(cert);
      const verdict = validateDeclarativeConfig(config, { kongVersion: '3.9.1' });
      expect(verdict.ok ? 'accepted' : verdict.error.message).toBe('accepted');
    }
    // Whitespace alone is still no certificate.
    expect(run([caSecret('\n\n')]).config.ca_certificates).toBeUndefined();
  });

  it('credentials keep every byte of their fields (a key with a trailing newline stays that key)', () => {
    const { config } = run([
      consumer('alice', { username: 'alice', credentials: ['key', 'basic'] }),
      secretBytes('key', { key: 'k3y-with-newline\n' }, { 'konghq.com/credential': 'key-auth' }),
      secretBytes(
        'basic',
        { username: ' alice ', password: 'p@ss word\t' },
        { 'konghq.com/credential': 'basic-auth' },
      ),
    ]);
    const alice = config.consumers?.[0];
    expect(alice?.keyauth_credentials?.[0]?.key).toBe('k3y-with-newline\n');
    expect(alice?.basicauth_credentials?.[0]).toMatchObject({ username: ' alice ', password: 'p@ss word\t' });
  });

  it('plugin configuration from a Secret keeps string values exactly (configFrom YAML, configPatches JSON)', () => {
    const pem = `${TEST_CERT.trimEnd()}\n`;
    const { config } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'from,patched' } }),
      service('svc'),
      kongPlugin('from', 'request-transformer', {
        configFrom: { secretKeyRef: { name: 'conf', key: 'config' } },
      }),
      kongPlugin('patched', 'request-transformer', {
        config: { add: { headers: [] } },
        configPatches: [
          { path: '/add/headers/0', valueFrom: { secretKeyRef: { name: 'conf', key: 'header' } } },
        ],
      }),
      secretBytes('conf', {
        // A literal block keeps its final newline; the quoted scalar keeps its trailing spaces.
        config: `add:\n  body:\n    - "pem:${pem.replaceAll('\n', '\\n')}"\n  querystring:\n    - "q:v  "\n  headers:\n    - |\n      x-multi:line\n`,
        header: JSON.stringify(`x-token:${pem}`),
      }),
    ]);
    type Added = { add?: { body?: string[]; headers?: string[] } };
    const added = (p: { config?: unknown } | undefined) => (p?.config as Added | undefined)?.add;
    const from = config.plugins?.find((p) => added(p)?.body);
    expect(added(from)).toEqual({
      body: [`pem:${pem}`],
      querystring: ['q:v  '],
      headers: ['x-multi:line\n'],
    });
    const patched = config.plugins?.find((p) => p !== from);
    expect(added(patched)?.headers).toEqual([`x-token:${pem}`]);
  });

  it('TLS pairs are trimmed, as KIC trims them (getCertFromSecret), so one pair is one certificate', () => {
    const tls = (name: string, crt: string) =>
      secretBytes(name, { 'tls.crt': crt, 'tls.key': `${TEST_KEY}\n\n` }, {}, {});
    const { config } = run([
      ingress('i', {
        host: 'a.example.com',
        extraSpec: { tls: [{ hosts: ['a.example.com'], secretName: 'a' }] },
      }),
      ingress('j', {
        host: 'b.example.com',
        extraSpec: { tls: [{ hosts: ['b.example.com'], secretName: 'b' }] },
      }),
      service('svc'),
      tls('a', `${TEST_CERT}\n`),
      tls('b', `  ${TEST_CERT}`),
    ]);
    expect(config.certificates).toHaveLength(1);
    expect(config.certificates?.[0]?.cert).toBe(TEST_CERT.trim());
    expect(config.certificates?.[0]?.key).toBe(TEST_KEY.trim());
  });

  it('configFrom reads as KIC does: JSON first, else YAML as go-yaml v2 resolves it', () => {
    // YAML 1.1 scalars as sigs.k8s.io/yaml gives them; timestamps and sexagesimal-looking values stay strings.
    expect(
      parseSecretConfig(
        'a: on\nb: yes\nc: "on"\nd: 0755\ne: 1_000\nf: 2001-12-14\ng: 190:20:30\nh: off\ni: n\nj: 0x1F\n',
      ),
    ).toEqual({
      a: true,
      b: true,
      c: 'on',
      d: 493,
      e: 1000,
      f: '2001-12-14',
      g: '190:20:30',
      h: false,
      i: false,
      j: 31,
    });
    // JSON is read as JSON: a repeated key keeps the last value (encoding/json), where YAML would refuse it.
    expect(parseSecretConfig('{"minute": 1, "minute": 5}')).toEqual({ minute: 5 });
    const { config } = run([
      ingress('i', { annotations: { 'konghq.com/plugins': 'cors' } }),
      service('svc'),
      kongPlugin('cors', 'cors', { configFrom: { secretKeyRef: { name: 'cors-conf', key: 'config' } } }),
      secretBytes('cors-conf', { config: 'credentials: yes\norigins: ["*"]\n' }),
    ]);
    expect(config.plugins?.[0]?.config).toMatchObject({ credentials: true, origins: ['*'] });
  });
});
