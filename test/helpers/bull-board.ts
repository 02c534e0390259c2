import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { pino } from 'pino';
import { HttpAccess } from '../../queue/bull-board/http-access.ts';
import { type BullBoardMount, type BullBoardOptions, mountBullBoard } from '../../queue/bull-board.ts';
import { connectRedis, createRedisConnection } from '../../queue/connection.ts';
import { JobProducer } from '../../queue/producer.ts';
import { mountControllerRoutes } from '../../workers/http-routes.ts';
import { createHttpServer } from '../../workers/http-server.ts';
import { createMetrics } from '../../workers/metrics.ts';
import { testPipeline } from './pipeline-deps.ts';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from './redis.ts';

export const BOARD_QUEUES = ['build', 'push', 'drift'] as const;

export interface TestBoard {
  /** Base URL of the server, e.g. http://127.0.0.1:41234 (the board is at `${url}/queues`). */
  readonly url: string;
  readonly mount: BullBoardMount;
  readonly queues: Readonly<Record<(typeof BOARD_QUEUES)[number], Queue>>;
  /** The key prefix of the queues and stores. */
  readonly prefix: string;
  /** A folder for credential files, removed by close(). */
  readonly dir: string;
  close(): Promise<void>;
}

export interface TestBoardOptions extends Partial<Omit<BullBoardOptions, 'queues' | 'access'>> {
  /** Written to files in `dir` and passed as the viewer's credential files. */
  readonly token?: string;
  readonly basicAuth?: string;
  /** Written to files in `dir` and passed as the operator's credential files. */
  readonly operatorToken?: string;
  readonly operatorBasicAuth?: string;
  /** How often the credential files are re-read. @defaultValue 5000 */
  readonly reloadIntervalMs?: number;
  /** Also mount the controller's routes (/metrics, /api, /debug) over the same prefix's stores. */
  readonly controllerRoutes?: { readonly metricsAuth?: boolean };
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
  const {
    token,
    basicAuth,
    operatorToken,
    operatorBasicAuth,
    reloadIntervalMs,
    controllerRoutes,
    logger = pino({ level: 'silent' }),
    ...boardOptions
  } = options;
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
  const pipeline = controllerRoutes ? testPipeline(prefix, { namespace: 'default' }) : undefined;
  const close = async () => {
    await http.close();
    await pipeline?.close();
    await producer.close();
    redis.disconnect();
    await deleteKeysWithPrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const file = (name: string, content: string | undefined) =>
      content === undefined ? undefined : writeSecretFile(dir, name, content);
    const access = new HttpAccess(
      {
        viewer: { tokenFile: await file('token', token), basicAuthFile: await file('basic-auth', basicAuth) },
        operator: {
          tokenFile: await file('operator-token', operatorToken),
          basicAuthFile: await file('operator-basic-auth', operatorBasicAuth),
        },
      },
      logger,
    );
    await access.start(http.app, reloadIntervalMs);
    if (pipeline) {
      const deps = pipeline.deps({ producer, redis, logger });
      mountControllerRoutes(http.app, {
        deps: () => deps,
        metrics: createMetrics(),
        staleAfterMs: 30_000,
        access,
        metricsAuth: controllerRoutes?.metricsAuth,
      });
    }
    const mount = await mountBullBoard(http.app, {
      ...boardOptions,
      queues: Object.values(queues),
      access,
      logger,
    });
    const url = await http.listen();
    return { url, mount, queues, prefix, dir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `Authorization` header value for basic auth. */
export function basicHeader(userPassword: string): string {
  return `Basic ${Buffer.from(userPassword, 'utf8').toString('base64')}`;
}
