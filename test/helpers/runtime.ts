import { pino } from 'pino';
import type { AnyJobDefinition, JobOverride, Role } from '../../queue/define-job.ts';
import { createRuntime, type Runtime, type RuntimeIo } from '../../workers/runtime.ts';
import { redisUrl } from './redis.ts';

export interface TestRuntimeOptions<D> {
  readonly prefix: string;
  readonly jobs: readonly AnyJobDefinition<D>[];
  /** The handlers' dependencies, or a factory given the runtime's Redis connection and producer. */
  readonly deps?: D | ((io: RuntimeIo) => D);
  /** @defaultValue every role */
  readonly roles?: readonly Role[];
  /** @defaultValue 5000 */
  readonly shutdownTimeoutMs?: number;
  readonly jobOverrides?: Readonly<Record<string, JobOverride>>;
}

/** A runtime on the run's real Redis, under the test's own prefix, logging nothing. */
export function testRuntime<D>(options: TestRuntimeOptions<D>): Runtime {
  return createRuntime({
    redisUrl: redisUrl(),
    queuePrefix: options.prefix,
    roles: options.roles ?? ['leader', 'build', 'push', 'drift'],
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5000,
    jobs: options.jobs,
    deps: (io) =>
      typeof options.deps === 'function' ? (options.deps as (io: RuntimeIo) => D)(io) : (options.deps as D),
    logger: pino({ level: 'silent' }),
    jobOverrides: options.jobOverrides,
  });
}
