import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { pino } from 'pino';
import { type BullBoardMount, type BullBoardOptions, mountBullBoard } from '../../queue/bull-board.ts';
import { connectRedis, createRedisConnection } from '../../queue/connection.ts';
import { JobProducer } from '../../queue/producer.ts';
import { createHttpServer } from '../../workers/http-server.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from './redis.ts';

export const BOARD_QUEUES = ['build', 'push', 'drift'] as const;

export interface TestBoard {
  /** Base URL of the server, e.g. http://127.0.0.1:41234 (the board is at `${url}/queues`). */
  readonly url: string;
  readonly mount: BullBoardMount;
  readonly queues: Readonly<Record<(typeof BOARD_QUEUES)[number], Queue>>;
  /** A folder for credential files, removed by close(). */
  readonly dir: string;
  close(): Promise<void>;
}

export interface TestBoardOptions extends Partial<Omit<BullBoardOptions, 'queues' | 'auth'>> {
  /** Written to files in `dir` and passed as the auth files. */
  readonly token?: string;
  readonly basicAuth?: string;
}

/** Writes `content` to `dir/name` and returns the path (a stand-in for a mounted Secret key). */
export async function writeSecretFile(dir: string, name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

/**
 * The controller's real HTTP server with Bull Board mounted over real BullMQ queues (build, push,
 * drift under a fresh prefix on the run's Redis), each holding a waiting job, listening on a free
 * loopback port. close() stops the server and deletes the prefix and the files.
 */
export async function startTestBoard(options: TestBoardOptions = {}): Promise<TestBoard> {
  const { token, basicAuth, logger = pino({ level: 'silent' }), ...boardOptions } = options;
  const prefix = uniquePrefix('board');
  const dir = await mkdtemp(join(tmpdir(), 'kf-board-'));
  const redis = createRedisConnection(redisUrl(), 'producer');
  await connectRedis(redis);
  const producer = new JobProducer({ connection: redis, prefix });
  const queues = Object.fromEntries(
    BOARD_QUEUES.map((name) => [name, producer.queue(name)]),
  ) as TestBoard['queues'];
  await queues.build.add('build', { reason: 'test: informers listed' });
  await queues.push.add('push', { proxy: 'kong-0' });
  await queues.drift.add('drift', { reason: 'test: scheduled check' });

  const http = createHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    readiness: async () => ({ ready: true, checks: {} }),
  });
  const close = async () => {
    await http.close();
    await producer.close();
    redis.disconnect();
    await deleteKeysWithPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const auth = {
      tokenFile: token === undefined ? undefined : await writeSecretFile(dir, 'token', token),
      basicAuthFile:
        basicAuth === undefined ? undefined : await writeSecretFile(dir, 'basic-auth', basicAuth),
    };
    const mount = await mountBullBoard(http.app, {
      ...boardOptions,
      queues: Object.values(queues),
      auth,
      logger,
    });
    const url = await http.listen();
    return { url, mount, queues, dir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `Authorization` header value for basic auth. */
export function basicHeader(userPassword: string): string {
  return `Basic ${Buffer.from(userPassword, 'utf8').toString('base64')}`;
}
