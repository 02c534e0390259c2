import type { TestProject } from 'vitest/node';
import { startLocalRedis } from '../../testing/redis-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** One real redis-server for the whole integration run; tests isolate themselves by key prefix. */
export default async function setup(project: TestProject) {
  const redis = await startLocalRedis();
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}
