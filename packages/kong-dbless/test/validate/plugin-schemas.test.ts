import { describe, expect, it } from 'vitest';
import { validateDeclarativeConfig } from '../../src/validate/index.ts';

const plugin = (name: string, config: Record<string, unknown>, kongVersion = '3.10.0') => {
  const r = validateDeclarativeConfig(
    { _format_version: '3.0', plugins: [{ name, config }] },
    { kongVersion, flattenErrors: false },
  );
  return r.ok
    ? { config: Object.values(r.entities.plugins ?? {})[0]?.config as Record<string, unknown> }
    : { errors: (r.error.fields as { plugins: unknown[] }).plugins[0] };
};

describe('log plugin schemas (Kong 3.10)', () => {
  it('http-log: endpoint required, unknown fields refused', () => {
    expect(plugin('http-log', { not_endpoint: 'x' }).errors).toEqual({
      config: { http_endpoint: 'required field missing', not_endpoint: 'unknown field' },
    });
    expect(plugin('http-log', { http_endpoint: 'invalid::#//url' }).errors).toEqual({
      config: { http_endpoint: 'missing host in url' },
    });
  });

  it("http-log: fills Kong's defaults and the queue record (concurrency_limit from 3.8)", () => {
    const { config } = plugin('http-log', { http_endpoint: 'https://logs.example/x' });
    expect(config).toMatchObject({
      method: 'POST',
      content_type: 'application/json',
      timeout: 10000,
      keepalive: 60000,
      queue: { max_batch_size: 1, max_coalescing_delay: 1, max_entries: 10000, concurrency_limit: 1 },
    });
    expect(
      (plugin('http-log', { http_endpoint: 'https://l.example' }, '3.7.1').config?.queue as object) ?? {},
    ).not.toHaveProperty('concurrency_limit');
  });

  it('http-log: user info and an Authorization header are exclusive', () => {
    expect(
      plugin('http-log', { http_endpoint: 'https://u:p@l.example', headers: { Authorization: 'x' } }).errors,
    ).toEqual({
      config: "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed",
    });
    expect(plugin('http-log', { http_endpoint: 'https://l.example', headers: { host: 'x' } }).errors).toEqual(
      {
        config: { headers: "cannot contain 'Host' header" },
      },
    );
  });

  it('tcp-log, udp-log, file-log', () => {
    expect(plugin('tcp-log', { port: 1234, deeply: { nested: true } }).errors).toEqual({
      config: { host: 'required field missing', deeply: 'unknown field' },
    });
    expect(plugin('tcp-log', { host: 'logs.example', port: 9000 }).config).toMatchObject({ tls: false });
    expect(plugin('udp-log', { host: 'logs.example', port: 70000 }).errors).toEqual({
      config: { port: 'value should be between 0 and 65535' },
    });
    expect(plugin('file-log', { path: '/tmp/a&b' }).errors).toEqual({
      config: { path: 'not a valid filename' },
    });
    expect(plugin('file-log', { path: '/tmp/file.log' }).config).toMatchObject({ reopen: false });
  });
});

describe('serverless, gRPC and traffic plugin schemas (Kong 3.10)', () => {
  it('pre-function/post-function need code in at least one phase; every phase defaults to []', () => {
    const phases =
      "'config.certificate', 'config.rewrite', 'config.access', 'config.header_filter', 'config.body_filter', 'config.log'";
    expect(plugin('pre-function', {}).errors).toEqual({
      '@entity': [`at least one of these fields must be non-empty: ${phases}`],
    });
    expect(plugin('post-function', { access: ['kong.log.err(1)'] }).config).toEqual({
      certificate: [],
      rewrite: [],
      access: ['kong.log.err(1)'],
      header_filter: [],
      body_filter: [],
      log: [],
    });
    expect(plugin('pre-function', { functions: ['x'] }).errors).toMatchObject({
      config: { functions: 'unknown field' },
    });
  });

  it('grpc-gateway, grpc-web', () => {
    expect(plugin('grpc-gateway', { proto: '/p/a.proto' }).config).toEqual({ proto: '/p/a.proto' });
    expect(plugin('grpc-web', {}).config).toEqual({
      proto: null,
      pass_stripped_path: null,
      allow_origin_header: '*',
    });
  });

  it('request-size-limiting, bot-detection', () => {
    expect(plugin('request-size-limiting', { size_unit: 'gigabytes' }).errors).toEqual({
      config: { size_unit: 'expected one of: megabytes, kilobytes, bytes' },
    });
    expect(plugin('bot-detection', { deny: ['curl/(', 'wget'] }).errors).toEqual({
      config: { deny: ['not a valid regex: curl/('] },
    });
    expect(plugin('bot-detection', { whitelist: [] }).errors).toMatchObject({
      config: { whitelist: 'unknown field' },
    });
  });
});
