import { describe, expect, it } from 'vitest';
import { type FlattenedError, validateDeclarativeConfig } from '../../src/validate/index.ts';

type Rec = Record<string, unknown>;
const TAGS = ['k8s-name:echo', 'k8s-namespace:default', 'k8s-kind:Service', 'k8s-version:v1'];

const service = (extra: Rec = {}): Rec => ({
  name: 'svc',
  host: 'echo.default.svc',
  port: 80,
  tags: TAGS,
  ...extra,
});
const route = (extra: Rec = {}): Rec => ({ name: 'rt', paths: ['/echo'], ...extra });
const doc = (extra: Rec): Rec => ({ _format_version: '3.0', ...extra });
const withRoute = (r: Rec) => doc({ services: [service({ routes: [route(r)] })] });
const withPlugin = (p: Rec) => doc({ services: [service({ plugins: [p] })] });
const topPlugin = (p: Rec) => doc({ services: [service()], plugins: [p] });
const withUpstream = (u: Rec) => doc({ upstreams: [{ name: 'up.svc', ...u }] });

interface Case {
  name: string;
  config: Rec;
  /** The expected flattened entry (subset) and one of its errors. */
  entity: Partial<FlattenedError>;
  error: { type: 'field' | 'entity'; field?: string; message: string };
  /** Path into the non-flattened `fields` tree and the message expected there. */
  nested?: [(string | number)[], unknown];
}

const cases: Case[] = [
  {
    name: 'service port out of range',
    config: doc({ services: [service({ port: 70000 })] }),
    entity: { entity_type: 'service', entity_name: 'svc', entity_tags: TAGS },
    error: { type: 'field', field: 'port', message: 'value should be between 0 and 65535' },
    nested: [['services', 0, 'port'], 'value should be between 0 and 65535'],
  },
  {
    name: 'service port as string',
    config: doc({ services: [service({ port: '80' })] }),
    entity: { entity_type: 'service' },
    error: { type: 'field', field: 'port', message: 'expected an integer' },
  },
  {
    name: 'service without host',
    config: doc({ services: [{ name: 'svc' }] }),
    entity: { entity_type: 'service', entity_name: 'svc' },
    error: { type: 'field', field: 'host', message: 'required field missing' },
    nested: [['services', 0, 'host'], 'required field missing'],
  },
  {
    name: 'service host with a port',
    config: doc({ services: [service({ host: 'echo:80' })] }),
    entity: { entity_type: 'service' },
    error: { type: 'field', field: 'host', message: 'must not have a port' },
  },
  {
    name: 'service bad protocol',
    config: doc({ services: [service({ protocol: 'ftp' })] }),
    entity: { entity_type: 'service' },
    error: {
      type: 'field',
      field: 'protocol',
      message: 'expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp',
    },
  },
  {
    name: 'service timeout zero',
    config: doc({ services: [service({ read_timeout: 0 })] }),
    entity: { entity_type: 'service' },
    error: { type: 'field', field: 'read_timeout', message: 'value should be between 1 and 2147483646' },
  },
  {
    name: 'service path with empty segment',
    config: doc({ services: [service({ path: '/a//b' })] }),
    entity: { entity_type: 'service' },
    error: { type: 'field', field: 'path', message: 'must not have empty segments' },
  },
  {
    name: 'tcp service with a path',
    config: doc({ services: [service({ protocol: 'tcp', path: '/x' })] }),
    entity: { entity_type: 'service' },
    error: { type: 'entity', message: "failed conditional validation given value of field 'protocol'" },
    nested: [['services', 0, 'path'], 'value must be null'],
  },
  {
    name: 'invalid service name',
    config: doc({ services: [service({ name: 'a b' })] }),
    entity: { entity_type: 'service', entity_name: 'a b' },
    error: {
      type: 'field',
      field: 'name',
      message: "invalid value 'a b': the only accepted ascii characters are alphanumerics or ., -, _, and ~",
    },
  },
  {
    name: 'unknown service field',
    config: doc({ services: [service({ colour: 'blue' })] }),
    entity: { entity_type: 'service' },
    error: { type: 'field', field: 'colour', message: 'unknown field' },
  },
  {
    name: 'bad tag (comma)',
    config: doc({ services: [service({ tags: ['ok', 'a,b'] })] }),
    entity: { entity_type: 'service', entity_name: 'svc' },
    error: {
      type: 'field',
      field: 'tags.2',
      message: "invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
    },
    nested: [
      ['services', 0, 'tags', 1],
      "invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
    ],
  },
  {
    name: 'tag not a string',
    config: doc({ services: [service({ tags: ['ok', 'ok2', 3] })] }),
    entity: { entity_type: 'service' },
    error: { type: 'field', field: 'tags.3', message: 'expected a string' },
  },
  {
    name: 'service id not a UUID',
    config: doc({ services: [service({ id: 'nope' })] }),
    entity: { entity_type: 'service' },
    error: { type: 'field', field: 'id', message: 'expected a valid UUID' },
  },
  {
    name: 'route path without slash',
    config: withRoute({ paths: ['echo'] }),
    entity: { entity_type: 'route', entity_name: 'rt' },
    error: {
      type: 'field',
      field: 'paths.1',
      message: 'should start with: / (fixed path) or ~/ (regex path)',
    },
    nested: [
      ['services', 0, 'routes', 0, 'paths', 0],
      'should start with: / (fixed path) or ~/ (regex path)',
    ],
  },
  {
    name: 'route bad regex path',
    config: withRoute({ paths: ['/ok', '~/a(b'] }),
    entity: { entity_type: 'route' },
    error: {
      type: 'field',
      field: 'paths.2',
      message: expect.stringMatching(/^invalid regex: '\/a\(b' \(PCRE returned: /) as unknown as string,
    },
  },
  {
    name: 'route non-normalized path',
    config: withRoute({ paths: ['/a/../b'] }),
    entity: { entity_type: 'route' },
    error: { type: 'field', field: 'paths.1', message: "non-normalized path, consider use '/b' instead" },
  },
  {
    name: 'route bad percent escape',
    config: withRoute({ paths: ['/a%zz'] }),
    entity: { entity_type: 'route' },
    error: { type: 'field', field: 'paths.1', message: "invalid url-encoded value: '%zz'" },
  },
  {
    name: 'route look-ahead regex (ATC)',
    config: withRoute({ paths: ['~/a(?=b)'] }),
    entity: { entity_type: 'route' },
    error: {
      type: 'entity',
      message: expect.stringMatching(/^Router Expression failed validation: /) as unknown as string,
    },
  },
  {
    name: 'route lowercase method',
    config: withRoute({ methods: ['get'] }),
    entity: { entity_type: 'route' },
    error: { type: 'field', field: 'methods.1', message: 'invalid value: get' },
  },
  {
    name: 'route without matching fields',
    config: withRoute({ paths: null }),
    entity: { entity_type: 'route', entity_name: 'rt' },
    error: {
      type: 'entity',
      message: "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'",
    },
  },
  {
    name: 'route mixed protocol groups',
    config: withRoute({ protocols: ['http', 'tcp'] }),
    entity: { entity_type: 'route' },
    error: {
      type: 'field',
      field: 'protocols',
      message:
        "these sets are mutually exclusive: ('http', 'https'), ('tcp', 'tls', 'udp'), ('tls_passthrough'), ('grpc', 'grpcs')",
    },
  },
  {
    name: 'tcp route without sources',
    config: withRoute({ protocols: ['tcp'], paths: null }),
    entity: { entity_type: 'route' },
    error: {
      type: 'entity',
      message: "must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'",
    },
  },
  {
    name: 'http route with sources',
    config: withRoute({ protocols: ['http'], sources: [{ ip: '10.0.0.1' }] }),
    entity: { entity_type: 'route' },
    error: {
      type: 'field',
      field: 'sources',
      message: "cannot set 'sources' when 'protocols' is 'http' or 'https'",
    },
  },
  {
    name: 'grpc route with strip_path',
    config: withRoute({ protocols: ['grpc'], strip_path: true }),
    entity: { entity_type: 'route' },
    error: {
      type: 'field',
      field: 'strip_path',
      message: "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'",
    },
  },
  {
    name: 'route bad redirect code',
    config: withRoute({ https_redirect_status_code: 303 }),
    entity: { entity_type: 'route' },
    error: {
      type: 'field',
      field: 'https_redirect_status_code',
      message: 'expected one of: 426, 301, 302, 307, 308',
    },
  },
  {
    name: 'route header named host',
    config: withRoute({ headers: { Host: ['x'] } }),
    entity: { entity_type: 'route' },
    error: {
      type: 'field',
      field: 'headers',
      message: "cannot contain 'host' header, which must be specified in the 'hosts' attribute",
    },
  },
  {
    name: 'expression field outside the expressions flavor',
    config: withRoute({ expression: 'http.path == "/x"' }),
    entity: { entity_type: 'route' },
    error: { type: 'field', field: 'expression', message: 'unknown field' },
  },
  {
    name: 'nested route naming its service',
    config: withRoute({ service: 'svc' }),
    entity: { entity_type: 'route' },
    error: { type: 'field', field: 'service', message: 'value must be null' },
  },
  {
    name: 'unknown plugin',
    config: withPlugin({ name: 'no-such-plugin' }),
    entity: { entity_type: 'plugin', entity_name: 'no-such-plugin' },
    error: {
      type: 'field',
      field: 'name',
      message: "plugin 'no-such-plugin' not enabled; add it to the 'plugins' configuration property",
    },
  },
  {
    name: 'unknown plugin field',
    config: withPlugin({ name: 'key-auth', config: { key_nam: ['x'] } }),
    entity: { entity_type: 'plugin', entity_name: 'key-auth' },
    error: { type: 'field', field: 'config.key_nam', message: 'unknown field' },
    nested: [['services', 0, 'plugins', 0, 'config', 'key_nam'], 'unknown field'],
  },
  {
    name: 'rate-limiting policy cluster (DB-less)',
    config: withPlugin({ name: 'rate-limiting', config: { minute: 5, policy: 'cluster' } }),
    entity: { entity_type: 'plugin' },
    error: { type: 'field', field: 'config.policy', message: 'expected one of: local, redis' },
  },
  {
    name: 'rate-limiting without limits',
    config: withPlugin({ name: 'rate-limiting', config: {} }),
    entity: { entity_type: 'plugin' },
    error: {
      type: 'entity',
      message:
        "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'",
    },
  },
  {
    name: 'rate-limiting hour below minute',
    config: withPlugin({ name: 'rate-limiting', config: { minute: 10, hour: 5 } }),
    entity: { entity_type: 'plugin' },
    error: {
      type: 'field',
      field: 'config',
      message: 'The limit for hour(5.0) cannot be lower than the limit for minute(10.0)',
    },
  },
  {
    name: 'key-auth scoped to a consumer',
    config: doc({ consumers: [{ username: 'alice' }], plugins: [{ name: 'key-auth', consumer: 'alice' }] }),
    entity: { entity_type: 'plugin' },
    error: { type: 'field', field: 'consumer', message: 'value must be null' },
  },
  {
    name: 'key-auth on tcp',
    config: withPlugin({ name: 'key-auth', protocols: ['tcp'] }),
    entity: { entity_type: 'plugin' },
    error: { type: 'field', field: 'protocols.1', message: 'expected one of: grpc, grpcs, http, https' },
  },
  {
    name: 'acl with allow and deny',
    config: withPlugin({ name: 'acl', config: { allow: ['a'], deny: ['b'] } }),
    entity: { entity_type: 'plugin' },
    error: {
      type: 'entity',
      message: "only one of these fields must be non-empty: 'config.allow', 'config.deny'",
    },
  },
  {
    name: 'ip-restriction bad CIDR',
    config: withPlugin({ name: 'ip-restriction', config: { allow: ['10.0.0.0/33'] } }),
    entity: { entity_type: 'plugin' },
    error: { type: 'field', field: 'config.allow.1', message: "invalid ip or cidr range: '10.0.0.0/33'" },
  },
  {
    name: 'proxy-cache without strategy',
    config: withPlugin({ name: 'proxy-cache', config: {} }),
    entity: { entity_type: 'plugin' },
    error: { type: 'field', field: 'config.strategy', message: 'required field missing' },
  },
  {
    name: 'cors bad method',
    config: withPlugin({ name: 'cors', config: { methods: ['FETCH'] } }),
    entity: { entity_type: 'plugin' },
    error: {
      type: 'field',
      field: 'config.methods.1',
      message: 'expected one of: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT',
    },
  },
  {
    name: 'correlation-id bad generator',
    config: withPlugin({ name: 'correlation-id', config: { generator: 'random' } }),
    entity: { entity_type: 'plugin' },
    error: {
      type: 'field',
      field: 'config.generator',
      message: 'expected one of: uuid, uuid#counter, tracker',
    },
  },
  {
    name: 'request-termination bad status',
    config: withPlugin({ name: 'request-termination', config: { status_code: 700 } }),
    entity: { entity_type: 'plugin' },
    error: { type: 'field', field: 'config.status_code', message: 'value should be between 100 and 599' },
  },
  {
    name: 'jwt maximum_expiration without exp',
    config: withPlugin({ name: 'jwt', config: { maximum_expiration: 60 } }),
    entity: { entity_type: 'plugin' },
    error: {
      type: 'entity',
      message: "failed conditional validation given value of field 'config.maximum_expiration'",
    },
  },
  {
    name: 'prometheus non-boolean',
    config: topPlugin({ name: 'prometheus', config: { per_consumer: 'yes' } }),
    entity: { entity_type: 'plugin', entity_name: 'prometheus' },
    error: { type: 'field', field: 'config.per_consumer', message: 'expected a boolean' },
  },
  {
    name: 'upstream with an IP name',
    config: withUpstream({ name: '10.0.0.1' }),
    entity: { entity_type: 'upstream', entity_name: '10.0.0.1' },
    error: { type: 'field', field: 'name', message: "Invalid name ('10.0.0.1'); no ip addresses allowed" },
  },
  {
    name: 'upstream hash on header without header',
    config: withUpstream({ hash_on: 'header' }),
    entity: { entity_type: 'upstream' },
    error: { type: 'field', field: 'hash_on_header', message: 'required field missing' },
  },
  {
    name: 'upstream slots too small',
    config: withUpstream({ slots: 5 }),
    entity: { entity_type: 'upstream' },
    error: { type: 'field', field: 'slots', message: 'value should be between 10 and 65536' },
  },
  {
    name: 'target with bad address',
    config: withUpstream({ targets: [{ target: 'bad host:80' }] }),
    entity: { entity_type: 'target' },
    error: {
      type: 'field',
      field: 'target',
      message: "Invalid target ('bad host:80'); not a valid hostname or ip address",
    },
  },
  {
    name: 'target weight too large',
    config: withUpstream({ targets: [{ target: '10.0.0.1:80', weight: 70000 }] }),
    entity: { entity_type: 'target' },
    error: { type: 'field', field: 'weight', message: 'value should be between 0 and 65535' },
  },
  {
    name: 'consumer without username or custom_id',
    config: doc({ consumers: [{ tags: ['k8s-name:c'] }] }),
    entity: { entity_type: 'consumer', entity_tags: ['k8s-name:c'] },
    error: {
      type: 'entity',
      message: "at least one of these fields must be non-empty: 'custom_id', 'username'",
    },
  },
  {
    name: 'basic-auth credential without password',
    config: doc({ consumers: [{ username: 'alice', basicauth_credentials: [{ username: 'alice' }] }] }),
    entity: { entity_type: 'basicauth_credential' },
    error: { type: 'field', field: 'password', message: 'required field missing' },
  },
  {
    name: 'acl credential without group',
    config: doc({ consumers: [{ username: 'alice', acls: [{}] }] }),
    entity: { entity_type: 'acl' },
    error: { type: 'field', field: 'group', message: 'required field missing' },
  },
  {
    name: 'certificate with garbage PEM',
    config: doc({ certificates: [{ cert: 'nope', key: 'nope' }] }),
    entity: { entity_type: 'certificate' },
    error: {
      type: 'field',
      field: 'cert',
      message: expect.stringMatching(/^invalid certificate: /) as unknown as string,
    },
  },
  {
    name: 'duplicate service names',
    config: doc({ services: [service(), service({ host: 'other' })] }),
    entity: { entity_type: 'service', entity_name: 'svc' },
    error: {
      type: 'entity',
      message: "uniqueness violation: 'services' entity with name set to 'svc' already declared",
    },
    nested: [
      ['services', 1],
      "uniqueness violation: 'services' entity with name set to 'svc' already declared",
    ],
  },
  {
    name: 'duplicate targets in one upstream',
    config: withUpstream({ targets: [{ target: '10.0.0.1:80' }, { target: '10.0.0.1:80' }] }),
    entity: { entity_type: 'target' },
    error: {
      type: 'entity',
      message: expect.stringMatching(
        /^uniqueness violation: 'targets' entity with primary key set to '[0-9a-f-]{36}' already declared$/,
      ) as unknown as string,
    },
  },
  {
    name: 'bad _format_version',
    config: { _format_version: '4.0' },
    entity: {},
    error: { type: 'field', message: 'expected one of: 1.1, 2.1, 3.0' },
    nested: [['_format_version'], 'expected one of: 1.1, 2.1, 3.0'],
  },
];

function at(tree: unknown, path: (string | number)[]): unknown {
  let node = tree;
  for (const key of path) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node;
}

describe('invalid-config catalogue (Kong 3.9 DB-less messages and shapes)', () => {
  it('has at least 40 cases', () => expect(cases.length).toBeGreaterThanOrEqual(40));

  it.each(cases)('$name', ({ config, entity, error, nested }) => {
    const flat = validateDeclarativeConfig(structuredClone(config));
    expect(flat.ok).toBe(false);
    if (flat.ok) return;
    expect(flat.error.code).toBe(14);
    expect(flat.error.name).toBe('invalid declarative configuration');
    expect(flat.error.message).toMatch(/^declarative config is invalid: \{/);
    if (entity.entity_type) {
      const match = flat.error.flattened_errors?.find(
        (e) =>
          e.entity_type === entity.entity_type &&
          e.errors.some((x) => x.message === error.message || (typeof error.message !== 'string' && true)),
      );
      expect(flat.error.flattened_errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            ...entity,
            errors: expect.arrayContaining([expect.objectContaining(error)]),
          }),
        ]),
      );
      expect(match?.entity).toBeTypeOf('object');
    } else {
      expect(at(flat.error.fields, nested![0])).toEqual(nested![1]);
    }
    const full = validateDeclarativeConfig(structuredClone(config), { flattenErrors: false });
    expect(full.ok).toBe(false);
    if (full.ok) return;
    expect(full.error.flattened_errors).toBeUndefined();
    if (nested) expect(at(full.error.fields, nested[0])).toEqual(nested[1]);
  });
});
