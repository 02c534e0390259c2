import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  type CaFiles,
  createCa,
  createClientCertificate,
  createServerCertificate,
} from '@kong-fleet/kong-dbless/simulator';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectRedis, createRedisConnection } from '../../../queue/connection.ts';
import { defineJob } from '../../../queue/define-job.ts';
import { type LocalRedis, startLocalRedis } from '../../../testing/redis-server.ts';
import { parseSettings } from '../../../workers/config.ts';
import { redisTargetFromSettings } from '../../../workers/redis-target.ts';
import { createRuntime } from '../../../workers/runtime.ts';
import { runCli } from '../../helpers/cli.ts';
import { eventually } from '../../helpers/eventually.ts';

const PREFIX = 'kf-acl';
const PASSWORD = 'acl-pass-7f3a91c2e5';
const USER = 'kong-fleet';

/**
 * Issue 13: Redis with an ACL user whose password comes from a file (a mounted Secret), over TLS only,
 * a real redis-server with `--tls-port` and certificates from the project's test PKI.
 */
describe('Redis with an ACL user over TLS (rediss://)', () => {
  let dir: string;
  let ca: CaFiles;
  let redis: LocalRedis;
  let mtlsRedis: LocalRedis;
  let files: {
    password: string;
    wrongPassword: string;
    clientCert: string;
    clientKey: string;
    otherCa: string;
  };

  /** The settings a deployment would give, as environment variables. */
  const env = (overrides: Record<string, string> = {}) => ({
    KONG_FLEET_REDIS_URL: redis.url,
    KONG_FLEET_QUEUE_PREFIX: PREFIX,
    KONG_FLEET_REDIS_USERNAME: USER,
    KONG_FLEET_REDIS_PASSWORD_FILE: files.password,
    KONG_FLEET_REDIS_TLS_CA: ca.cert,
    ...overrides,
  });
  const targetOf = (vars: Record<string, string>) =>
    redisTargetFromSettings(parseSettings({ argv: [], env: vars }).settings);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kf-redis-tls-'));
    ca = await createCa(join(dir, 'pki'), 'redis-ca');
    const server = await createServerCertificate(ca, {
      commonName: 'localhost',
      altNames: ['localhost', '127.0.0.1'],
    });
    const client = await createClientCertificate(ca, { commonName: 'kong-fleet' });
    const other = await createCa(join(dir, 'other'), 'rogue-ca');
    files = {
      password: join(dir, 'password'),
      wrongPassword: join(dir, 'wrong-password'),
      clientCert: client.cert,
      clientKey: client.key,
      otherCa: other.cert,
    };
    await writeFile(files.password, `${PASSWORD}\n`, { mode: 0o600 });
    await writeFile(files.wrongPassword, 'not-the-password\n', { mode: 0o600 });
    // The default user is off: only the ACL user, limited to its prefix, may do anything.
    const acl = [
      '--user',
      'default',
      'off',
      '--user',
      USER,
      'on',
      `>${PASSWORD}`,
      `~${PREFIX}:*`,
      '&*',
      '+@all',
    ];
    redis = await startLocalRedis({ tls: { cert: server.cert, key: server.key, ca: ca.cert }, args: acl });
    mtlsRedis = await startLocalRedis({
      tls: {
        cert: server.cert,
        key: server.key,
        ca: ca.cert,
        clientCert: { cert: client.cert, key: client.key },
      },
      args: acl,
    });
  });

  afterAll(async () => {
    await redis?.stop();
    await mtlsRedis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs jobs and stores state as the ACL user with the password from its file', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const ran: number[] = [];
    const echo = defineJob({
      name: 'echo',
      role: 'build',
      payload: z.object({ value: z.number().int() }),
      run: async (payload) => void ran.push(payload.value),
    });
    const target = targetOf(env());
    const runtime = createRuntime({
      redisUrl: target.url,
      redisAccess: target,
      queuePrefix: PREFIX,
      roles: ['build'],
      shutdownTimeoutMs: 2000,
      jobs: [echo],
      deps: () => ({}),
      logger: pino({ level: 'silent' }),
    });
    try {
      await runtime.start();
      await runtime.producer.enqueue(echo, { value: 7 });
      await eventually(() => ran.includes(7), { timeoutMs: 10_000, description: 'the job to run over TLS' });
      expect(await runtime.redis.call('ACL', 'WHOAMI')).toBe(USER);
      // The ACL user is held to its prefix: the job ran inside it, and a key outside is refused.
      await expect(runtime.redis.set('elsewhere:key', '1')).rejects.toThrow(/NOPERM/);
      expect((await runtime.readiness()).checks.redis?.ok).toBe(true);
    } finally {
      await runtime.stop('test done');
    }
  });

  it('fails with a clear error and no secret when the password is wrong, in the log and on the CLI', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const target = targetOf(env({ KONG_FLEET_REDIS_PASSWORD_FILE: files.wrongPassword }));
    const runtime = createRuntime({
      redisUrl: target.url,
      redisAccess: target,
      queuePrefix: PREFIX,
      roles: ['build'],
      shutdownTimeoutMs: 1000,
      jobs: [],
      deps: () => ({}),
      logger,
    });
    const starting = runtime.start().catch(() => {});
    await eventually(() => lines.some((line) => line.includes('waiting for Redis')), {
      timeoutMs: 20_000,
      description: 'the runtime to say why it waits',
    });
    await runtime.stop('test done');
    await starting;
    const waiting = lines.find((line) => line.includes('waiting for Redis'))!;
    expect(waiting).toContain('WRONGPASS');
    for (const line of lines) {
      expect(line).not.toContain('not-the-password');
      expect(line).not.toContain(PASSWORD);
    }

    const cli = await runCli(['status'], env({ KONG_FLEET_REDIS_PASSWORD_FILE: files.wrongPassword }));
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/cannot reach Redis: .*WRONGPASS/);
    expect(cli.stderr + cli.stdout).not.toContain('not-the-password');
    const right = await runCli(['status'], env());
    expect(right.stderr).not.toMatch(/cannot reach Redis/);
  });

  it('refuses a plain redis:// connection to the TLS port', async () => {
    const plain = createRedisConnection(
      { ...targetOf(env()), url: `redis://127.0.0.1:${redis.port}` },
      'producer',
    );
    try {
      await expect(connectRedis(plain, 3000)).rejects.toThrow(/did not answer/);
      expect(plain.status).not.toBe('ready');
    } finally {
      plain.disconnect();
    }
  });

  it('refuses a Redis whose certificate another CA signed', async () => {
    const rogue = createRedisConnection(
      targetOf(env({ KONG_FLEET_REDIS_TLS_CA: files.otherCa })),
      'producer',
    );
    try {
      await expect(connectRedis(rogue, 3000)).rejects.toThrow(/certificate/);
    } finally {
      rogue.disconnect();
    }
  });

  it('presents the client certificate when Redis requires one (tls-auth-clients yes)', async () => {
    const withCert = createRedisConnection(
      targetOf(
        env({
          KONG_FLEET_REDIS_URL: mtlsRedis.url,
          KONG_FLEET_REDIS_TLS_CERT: files.clientCert,
          KONG_FLEET_REDIS_TLS_KEY: files.clientKey,
        }),
      ),
      'producer',
    );
    const withoutCert = createRedisConnection(
      targetOf(env({ KONG_FLEET_REDIS_URL: mtlsRedis.url })),
      'producer',
    );
    try {
      await connectRedis(withCert, 5000);
      expect(await withCert.ping()).toBe('PONG');
      await expect(connectRedis(withoutCert, 3000)).rejects.toThrow(/did not answer/);
    } finally {
      withCert.disconnect();
      withoutCert.disconnect();
    }
  });

  it('reads a rotated password file before it reconnects, in duplicated connections too', async () => {
    const rotating = join(dir, 'rotating');
    await writeFile(rotating, 'stale-password\n');
    const connection = createRedisConnection(
      targetOf(env({ KONG_FLEET_REDIS_PASSWORD_FILE: rotating })),
      'worker',
    );
    // BullMQ's workers duplicate their connection for blocking reads.
    const copy = (connection as Redis).duplicate({ lazyConnect: true });
    copy.on('error', () => {});
    try {
      await expect(connectRedis(connection, 2000)).rejects.toThrow(/WRONGPASS/);
      await expect(connectRedis(copy, 2000)).rejects.toThrow(/did not answer/);
      await writeFile(rotating, `${PASSWORD}\n`);
      await connectRedis(connection, 10_000);
      await connectRedis(copy, 10_000);
      expect(await connection.ping()).toBe('PONG');
      expect(await copy.ping()).toBe('PONG');
    } finally {
      connection.disconnect();
      copy.disconnect();
    }
  });
});
