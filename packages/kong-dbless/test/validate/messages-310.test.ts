import { describe, expect, it } from 'vitest';
import { validateDeclarativeConfig } from '../../src/validate/index.ts';

const routeErrors = (kongVersion: string, route: Record<string, unknown>) => {
  const r = validateDeclarativeConfig(
    { _format_version: '3.0', routes: [{ name: 'r', ...route }] },
    { kongVersion, flattenErrors: false },
  );
  return r.ok ? undefined : (r.error.fields as { routes: unknown[] }).routes[0];
};

describe('Kong 3.10 route messages (3.9 kept)', () => {
  it.each([
    [{ hosts: ['example-.org'] }, 'invalid value: example-.org', 'invalid hostname: example-.org'],
    [{ hosts: ['example.com:1000000'] }, 'invalid value: example.com:1000000', 'invalid port number'],
    [
      { hosts: ['a.*.com'] },
      'wildcard must be leftmost or rightmost character',
      'invalid wildcard: must be placed at leftmost or rightmost label',
    ],
    [
      { hosts: ['*.a.*'] },
      'only one wildcard must be specified',
      'invalid wildcard: must have at most one wildcard',
    ],
  ])('%j', (route, v39, v310) => {
    expect(routeErrors('3.9.1', route)).toEqual({ hosts: [v39] });
    expect(routeErrors('3.10.0', route)).toEqual({ hosts: [v310] });
  });

  it('names only the protocol groups the value falls into from 3.10', () => {
    const route = { protocols: ['tls', 'tls_passthrough'], snis: ['a.example'] };
    expect(routeErrors('3.10.0', route)).toEqual({
      protocols: "these sets are mutually exclusive: ('tcp', 'tls', 'udp'), ('tls_passthrough')",
    });
    expect(routeErrors('3.9.1', route)).toEqual({
      protocols:
        "these sets are mutually exclusive: ('http', 'https'), ('tcp', 'tls', 'udp'), ('tls_passthrough'), ('grpc', 'grpcs')",
    });
  });

  it("gives the snis conditional Kong 3.10's then_err", () => {
    const route = { protocols: ['tcp', 'udp'], snis: ['example.org'], sources: [{ ip: '10.0.0.1' }] };
    expect(routeErrors('3.10.0', route)).toEqual({
      '@entity': ["'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'"],
      snis: 'length must be 0',
    });
    expect(routeErrors('3.9.1', route)).toEqual({
      '@entity': ["failed conditional validation given value of field 'protocols'"],
      snis: 'length must be 0',
    });
  });

  it.each([
    ['10.0.0.1:8001', 'must not be an IP'],
    ['example:', 'invalid value: example:'],
    ['example.org:80', 'must not have a port'],
  ])('SNI %s: %s', (name, message) => {
    const r = validateDeclarativeConfig(
      { _format_version: '3.0', upstreams: [{ name: 'up', healthchecks: { active: { https_sni: name } } }] },
      { kongVersion: '3.10.0', flattenErrors: false },
    );
    expect(r.ok ? undefined : r.error.fields).toEqual({
      upstreams: [{ healthchecks: { active: { https_sni: message } } }],
    });
  });
});
