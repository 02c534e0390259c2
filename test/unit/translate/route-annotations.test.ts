import { describe, expect, it } from 'vitest';
import { errorsFor, ingress, onlyRoute, run, service } from './helpers.ts';

function routeWith(annotations: Record<string, string>, host = 'example.com') {
  const { config, errors } = run([ingress('i', { annotations, host }), service('svc')]);
  return { route: onlyRoute(config), errors: errorsFor(errors, 'Ingress', 'i') };
}

describe('Ingress route annotations (KIC tier 1)', () => {
  it.each([
    ['konghq.com/strip-path', 'true', { strip_path: true }],
    ['konghq.com/strip-path', 'FALSE', { strip_path: false }],
    ['konghq.com/preserve-host', 'false', { preserve_host: false }],
    ['konghq.com/protocols', 'https', { protocols: ['https'] }],
    ['konghq.com/protocols', 'grpc,grpcs', { protocols: ['grpc', 'grpcs'] }],
    ['konghq.com/methods', 'GET,POST', { methods: ['GET', 'POST'] }],
    ['konghq.com/https-redirect-status-code', '301', { https_redirect_status_code: 301 }],
    ['konghq.com/regex-priority', '-10', { regex_priority: -10 }],
    ['konghq.com/path-handling', 'v1', { path_handling: 'v1' }],
    ['konghq.com/host-aliases', 'a.example.com,example.com', { hosts: ['example.com', 'a.example.com'] }],
    ['konghq.com/snis', 'a.example.com,b.example.com', { snis: ['a.example.com', 'b.example.com'] }],
    ['konghq.com/request-buffering', 'false', { request_buffering: false }],
    ['konghq.com/response-buffering', 'F', { response_buffering: false }],
  ])('%s: %s', (key, value, expected) => {
    const { route, errors } = routeWith({ [key]: value });
    expect(route).toMatchObject(expected);
    expect(errors).toEqual([]);
  });

  it.each([
    ['konghq.com/strip-path', 'yes', 'strip_path', false],
    ['konghq.com/preserve-host', 'maybe', 'preserve_host', true],
    ['konghq.com/protocols', 'http,gopher', 'protocols', undefined],
    ['konghq.com/methods', 'GET,post', 'methods', undefined],
    ['konghq.com/https-redirect-status-code', '303', 'https_redirect_status_code', 426],
    ['konghq.com/https-redirect-status-code', 'abc', 'https_redirect_status_code', 426],
    ['konghq.com/regex-priority', '1.5', 'regex_priority', 0],
    ['konghq.com/path-handling', 'vX', 'path_handling', 'v0'],
    ['konghq.com/host-aliases', 'ok.example.com,bad host', 'hosts', ['example.com']],
    ['konghq.com/snis', 'bad_sni!', 'snis', undefined],
    ['konghq.com/request-buffering', 'sometimes', 'request_buffering', true],
  ])('malformed %s=%s is ignored (KIC) and reported on the Ingress', (key, value, field, kept) => {
    const { route, errors } = routeWith({ [key]: value });
    expect((route as unknown as Record<string, unknown>)[field]).toEqual(kept);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      dropped: false,
      object: { kind: 'Ingress', namespace: 'default', name: 'i' },
    });
    expect(errors[0]!.reason).toContain(key);
  });

  it('konghq.com/headers.* become header matches; the separator is configurable', () => {
    expect(routeWith({ 'konghq.com/headers.x-env': 'prod, staging' }).route.headers).toEqual({
      'x-env': ['prod', 'staging'],
    });
    expect(
      routeWith({ 'konghq.com/headers.x-env': 'a;b', 'konghq.com/headers-separator': ';' }).route.headers,
    ).toEqual({ 'x-env': ['a', 'b'] });
  });

  it('ingress.kubernetes.io/force-ssl-redirect sets 302 and https', () => {
    expect(routeWith({ 'ingress.kubernetes.io/force-ssl-redirect': 'true' }).route).toMatchObject({
      https_redirect_status_code: 302,
      protocols: ['https'],
    });
  });

  it('grpc protocols drop strip_path, mixed grpc/http become http+https', () => {
    const grpc = routeWith({ 'konghq.com/protocols': 'grpcs' }).route;
    expect(grpc.strip_path).toBeUndefined();
    expect(routeWith({ 'konghq.com/protocols': 'grpc,http' }).route.protocols).toEqual(['http', 'https']);
  });

  it('konghq.com/snis with an empty value clears SNIs', () => {
    expect(routeWith({ 'konghq.com/snis': '' }).route.snis).toBeUndefined();
  });

  it('konghq.com/tags are appended to the generated tags (split on commas, deduplicated)', () => {
    expect(routeWith({ 'konghq.com/tags': 'team-a,team-a,billing' }).route.tags?.slice(-2)).toEqual([
      'team-a',
      'billing',
    ]);
  });

  it('konghq.com/override on an Ingress: KongIngress route overrides are not applied, as in KIC 3.x', () => {
    expect(routeWith({ 'konghq.com/override': 'ki' }).errors[0]?.reason).toContain(
      'KongIngress route and proxy overrides are not applied',
    );
  });
});
