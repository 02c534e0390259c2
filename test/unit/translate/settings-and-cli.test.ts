import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_SETTINGS, parseSettings, SettingsError } from '../../../kong/translate/index.ts';

const repo = resolve(import.meta.dirname, '../../..');

describe('settings', () => {
  it('defaults are KIC golden-test defaults; feature_flags override them', () => {
    expect(parseSettings('')).toEqual(DEFAULT_SETTINGS);
    const s = parseSettings(
      'feature_flags:\n  ExpressionRoutes: true\n  KongServiceFacade: true\ningress_class: internal\n',
    );
    expect(s.featureFlags).toMatchObject({ ExpressionRoutes: true, KongServiceFacade: true, FillIDs: true });
    expect(s.ingressClass).toBe('internal');
  });

  it.each([
    ['feature_flags:\n  Bogus: true\n', 'unknown feature flag "Bogus"'],
    ['feature_flags:\n  FillIDs: "yes"\n', 'must be true or false'],
    ['other: 1\n', 'unknown settings key "other"'],
    ['- a\n', 'must be a YAML mapping'],
    ['kong_version: three\n', 'kong_version'],
  ])('rejects %j', (text, message) => {
    expect(() => parseSettings(text)).toThrow(SettingsError);
    expect(() => parseSettings(text)).toThrow(message);
  });
});

function cli(args: string[]) {
  return spawnSync(process.execPath, [join(repo, 'workers/main.ts'), 'translate', ...args], {
    encoding: 'utf8',
  });
}

// Each case starts Node processes; give them room on a busy machine.
describe('kong-fleet translate', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kf-translate-'));
  const input = join(dir, 'in.yaml');
  writeFileSync(
    input,
    [
      '# comments are fine',
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata: {name: web, namespace: default, annotations: {konghq.com/methods: "get"}}',
      'spec:',
      '  ingressClassName: kong',
      '  rules: [{host: example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: web, namespace: default}',
      'spec: {ports: [{port: 80}]}',
      '',
    ].join('\n'),
  );

  it('prints the config as YAML, object errors on stderr, exit 0', () => {
    const r = cli(['-f', input]);
    expect(r.status).toBe(0);
    const config = parse(r.stdout);
    expect(config.services[0].name).toBe('default.web.80');
    expect(r.stderr.trim()).toBe(
      'Ingress default/web: annotation konghq.com/methods: "get" is not an upper-case HTTP method; ignored',
    );
  });

  it('--json prints the canonical text; --settings switches the router', () => {
    const settings = join(dir, 'settings.yaml');
    writeFileSync(settings, 'feature_flags:\n  ExpressionRoutes: true\n');
    const r = cli(['-f', input, '--settings', settings, '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).services[0].routes[0].expression).toContain('http.host == "example.com"');
  });

  it('--namespace fills in the namespace of namespaced objects that have none (kubectl apply -n)', () => {
    const bare = join(dir, 'bare.yaml');
    writeFileSync(
      bare,
      'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n---\n' +
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  ingressClassName: kong\n' +
        '  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n',
    );
    const without = cli(['-f', bare]);
    expect(without.status).toBe(0);
    expect(parse(without.stdout).services).toBeUndefined();
    expect(without.stderr).toContain('Kong would reject service');
    const withNs = cli(['-f', bare, '-n', 'apps']);
    expect(parse(withNs.stdout).services[0].name).toBe('apps.web.80');
    expect(withNs.stderr).toBe('');
  });

  it('exit 2 on unreadable input, invalid YAML, bad settings or bad usage', () => {
    expect(cli(['-f', join(dir, 'missing.yaml')]).status).toBe(2);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'kind: [unclosed\n');
    const r = cli(['-f', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('document 1');
    const badSettings = join(dir, 'bad-settings.yaml');
    writeFileSync(badSettings, 'feature_flags: {Nope: true}\n');
    expect(cli(['-f', input, '--settings', badSettings]).status).toBe(2);
    expect(cli([]).status).toBe(2);
    expect(cli(['--what']).status).toBe(2);
  });
});
