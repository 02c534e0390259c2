import type { TestProject } from 'vitest/node';
import { type LocalRedis, startLocalRedis } from '../../testing/redis-server.ts';
import { acquireSharedService } from './shared-service.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** One real redis-server for the integration and e2e projects; tests isolate themselves by key prefix. */
export default async function setup(project: TestProject) {
  const redis = await acquireSharedService<LocalRedis>(
    'redis-server',
    () => startLocalRedis(),
    (r) => r.stop(),
  );
  project.provide('redisUrl', redis.value.url);
  return redis.release;
}
