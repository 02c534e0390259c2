import { configHash } from '@kong-fleet/kong-dbless';
import { canonicalJson } from '../../kong/canonical.ts';
import type { TestPipeline } from './pipeline-deps.ts';

/** Stores `config` as the desired build, the way the build job would; returns its hash. */
export async function desire(pipeline: TestPipeline, config: unknown, revision: number): Promise<string> {
  const text = canonicalJson(config);
  const hash = configHash(text);
  await pipeline.builds.save(text, {
    hash,
    revision,
    createdAt: new Date().toISOString(),
    sizeBytes: text.length,
    durationMs: 1,
    droppedObjects: 0,
  });
  await pipeline.builds.advanceDesired(hash, revision);
  return hash;
}
