import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkImports, importSpecifiers, layerOf } from '../../../scripts/check/import-layers.ts';

const run = promisify(execFile);
const check = (path: string, source: string) => checkImports([{ path, source }]);

describe('import-direction check', () => {
  it('names the layer of every top-level folder, the package included', () => {
    expect(layerOf('lib/sleep.ts')).toBe('lib');
    expect(layerOf('packages/kong-dbless/src/index.ts')).toBe('kong-dbless');
    expect(layerOf('kong/admin/client.ts')).toBe('kong');
    expect(layerOf('README.md')).toBeUndefined();
  });

  it('reads static, type-only, re-export and dynamic imports, not ones in comments', () => {
    const source = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "const d = await import('./d.ts');",
      "import './side-effect.ts';",
      "// import { no } from './commented.ts';",
      "/* import { no } from './block.ts'; */",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts', './side-effect.ts']);
  });

  it('refuses an import of workers/ from below, a base layer that imports ours, and a reach into the package', () => {
    expect(check('k8s/watch-set.ts', "import { x } from '../workers/runtime.ts';")).toEqual([
      expect.objectContaining({ rule: expect.stringContaining('k8s may not import workers/') }),
    ]);
    expect(check('lib/sleep.ts', "import type { P } from '../domain/proxy.ts';")).toHaveLength(1);
    expect(
      check('packages/kong-dbless/src/x.ts', "import { y } from '../../../kong/canonical.ts';"),
    ).toHaveLength(1);
    expect(
      check('jobs/build.ts', "import { v } from '../packages/kong-dbless/src/validate/index.ts';"),
    ).toEqual([expect.objectContaining({ rule: expect.stringContaining('public entry points') })]);
  });

  it('keeps each I/O library in its home, type-only imports included', () => {
    expect(check('workers/runtime.ts', "import type { Worker } from 'bullmq';")).toHaveLength(1);
    expect(check('jobs/ports.ts', "import type { V1Pod } from '@kubernetes/client-node';")).toHaveLength(1);
    expect(check('kong/translate/x.ts', "import { request } from 'undici';")).toHaveLength(1);
    expect(check('queue/producer.ts', "import { Queue } from 'bullmq';")).toEqual([]);
    expect(check('kong/admin/client.ts', "import { request } from 'undici';")).toEqual([]);
    // The harness and tests may drive BullMQ directly.
    expect(check('testing/finished-jobs.ts', "import { Queue } from 'bullmq';")).toEqual([]);
  });

  it('allows the directions in the table', () => {
    expect(
      check(
        'jobs/build.ts',
        "import { a } from '../k8s/x.ts';\nimport { b } from '@kong-fleet/kong-dbless';",
      ),
    ).toEqual([]);
    expect(check('test/unit/x.test.ts', "import { a } from '../../workers/settings.ts';")).toEqual([]);
  });

  it('passes on the repository as it is (npm run check:imports)', async () => {
    const { stdout } = await run(process.execPath, [
      resolve(import.meta.dirname, '../../../scripts/check/imports.ts'),
    ]);
    expect(stdout).toMatch(/0 violation\(s\)/);
  });
});
