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

  it("words an upstream's host_header as normalize_ip does in each version", () => {
    const errors = (kongVersion: string, host_header: string) => {
      const r = validateDeclarativeConfig(
        { _format_version: '3.0', upstreams: [{ name: 'up', host_header }] },
        { kongVersion, flattenErrors: false },
      );
      return r.ok ? undefined : r.error.fields;
    };
    expect(errors('3.10.0', 'a hostname')).toEqual({
      upstreams: [{ host_header: 'invalid hostname: a hostname' }],
    });
    expect(errors('3.9.1', 'a hostname')).toEqual({
      upstreams: [{ host_header: 'invalid value: a hostname' }],
    });
    expect(errors('3.10.0', 'example.com:8080')).toBeUndefined();
  });
});

describe('messages shared by every version', () => {
  it('refuses any methods on a gRPC route, an empty list included', () => {
    for (const methods of ['GET', [], ['GET']])
      expect(routeErrors('3.10.0', { protocols: ['grpc'], paths: ['/p'], methods })).toEqual({
        methods: "cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'",
      });
  });

  it('fills no default for an explicit null', () => {
    expect(routeErrors('3.10.0', { protocols: null, paths: ['/p'] })).toEqual({
      protocols: 'required field missing',
    });
    expect(routeErrors('3.10.0', { paths: ['/p'] })).toBeUndefined();
  });

  it("reports a regex path's compile error in PCRE2's words", () => {
    expect(routeErrors('3.10.0', { paths: ['~/users/(foo'] })).toEqual({
      paths: [
        `invalid regex: '/users/(foo' (PCRE returned: pcre2_compile() failed: missing closing parenthesis in "/users/(foo")`,
      ],
    });
  });

  it('gives a service host port out of range as a port error', () => {
    const r = validateDeclarativeConfig(
      { _format_version: '3.0', services: [{ name: 's', host: 'example.com:1000000' }] },
      { kongVersion: '3.10.0', flattenErrors: false },
    );
    expect(r.ok ? undefined : r.error.fields).toEqual({ services: [{ host: 'must not have a port' }] });
  });

  it('stops at a subschema key that names no subschema, as Schema:validate does', () => {
    expect(routeErrors('3.10.0', { protocols: ['nope'], paths: ['/p'], strip_path: 'x' })).toEqual({
      protocols: 'unknown type: nope',
    });
    const fields = (config: Record<string, unknown>) => {
      const r = validateDeclarativeConfig({ _format_version: '3.0', ...config }, { flattenErrors: false });
      return r.ok ? undefined : r.error.fields;
    };
    expect(fields({ vaults: [{ name: 'nope', prefix: 'env' }] })).toEqual({
      vaults: [{ name: "vault 'nope' is not installed" }],
    });
    expect(fields({ vaults: [{ name: 'env', prefix: 'env' }] })).toEqual({
      vaults: [{ prefix: 'must not be one of: env' }],
    });
    expect(fields({ upstreams: [{ name: 'u', targets: [{ target: 'hostname:1.0' }] }] })).toEqual({
      upstreams: [
        { targets: [{ target: "Invalid target ('hostname:1.0'); not a valid hostname or ip address" }] },
      ],
    });
  });

  it("validates a foreign table without an id as the referenced entity, else 'missing primary key'", () => {
    const fields = (client_certificate: unknown) => {
      const r = validateDeclarativeConfig(
        { _format_version: '3.0', services: [{ name: 's', host: 'example.com', client_certificate }] },
        { flattenErrors: false },
      );
      return r.ok ? undefined : r.error.fields;
    };
    expect(fields({ cert: '', key: '' })).toEqual({
      services: [
        { client_certificate: { cert: 'length must be at least 1', key: 'length must be at least 1' } },
      ],
    });
    expect(fields({ tags: ['a'] })).toEqual({
      services: [{ client_certificate: { id: 'missing primary key' } }],
    });
    expect(fields({ id: 'nope' })).toEqual({
      services: [{ client_certificate: { id: 'expected a valid UUID' } }],
    });
  });

  it("gives OpenSSL's DER error for PEM armour around a broken body", () => {
    const r = validateDeclarativeConfig(
      {
        _format_version: '3.0',
        ca_certificates: [{ cert: '-----BEGIN CERTIFICATE-----\nohnoooo\n-----END CERTIFICATE-----' }],
      },
      { flattenErrors: false },
    );
    expect(r.ok ? undefined : r.error.fields).toEqual({
      ca_certificates: [
        {
          cert: 'invalid certificate: x509.new: error:688010A:asn1 encoding routines:asn1_item_embed_d2i:nested asn1 error:asn1/tasn_dec.c:349:',
        },
      ],
    });
  });

  it("reports a nested credential's uniqueness violation under its consumer", () => {
    const cred = (username: string) => ({ username, password: 'pwd' });
    const r = validateDeclarativeConfig(
      {
        _format_version: '3.0',
        consumers: [
          { username: 'c1', basicauth_credentials: [cred('u1'), cred('u2')] },
          { username: 'c2', basicauth_credentials: [cred('u3'), cred('u1')] },
        ],
      },
      { flattenErrors: false },
    );
    expect(r.ok ? undefined : r.error.fields).toEqual({
      consumers: [
        null,
        {
          basicauth_credentials: [
            null,
            "uniqueness violation: 'basicauth_credentials' entity with username set to 'u1' already declared",
          ],
        },
      ],
    });
  });

  it('reports a top-level plugin shadowed by one with the same id as Kong 3.10 does (#10767)', () => {
    const limit = (tag: string) => ({
      name: 'rate-limiting',
      consumer: 'alice',
      config: { second: 5 },
      tags: [tag],
    });
    const config = {
      _format_version: '3.0',
      consumers: [{ username: 'alice' }],
      plugins: [limit('a'), limit('b')],
    };
    const nested = validateDeclarativeConfig(config, { flattenErrors: false });
    expect(nested.ok ? undefined : nested.error.fields).toEqual({
      plugins: [{ consumer: { id: 'missing primary key' } }],
    });
    const r = validateDeclarativeConfig(config, { flattenErrors: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // Reported against the config as given: Kong has not derived the ids yet.
    expect(r.error.flattened_errors).toEqual([
      expect.objectContaining({
        entity_type: 'plugin',
        entity_tags: ['a'],
        errors: [{ type: 'field', field: 'consumer.id', message: 'missing primary key' }],
      }),
    ]);
    expect(r.error.flattened_errors?.[0]).not.toHaveProperty('entity_id');
  });
});
