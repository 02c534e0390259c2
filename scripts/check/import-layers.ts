/**
 * The import-direction rules of ARCHITECTURE.md, as data, and the check that applies them. Pure: it
 * takes file paths and their source text and returns the violations, so a test can feed it a
 * deliberate violation and `npm run check:imports` can feed it the repository.
 */

/** A top-level layer, named by the folder it lives in. */
export type Layer =
  | 'lib'
  | 'domain'
  | 'kong-dbless'
  | 'kong'
  | 'queue'
  | 'k8s'
  | 'jobs'
  | 'workers'
  | 'testing'
  | 'scripts'
  | 'test';

/** Which of our layers each layer may import (besides itself). */
export const ALLOWED_LAYERS: Readonly<Record<Layer, readonly Layer[]>> = {
  lib: [],
  domain: ['lib'],
  'kong-dbless': [],
  kong: ['lib', 'domain', 'kong-dbless'],
  queue: ['lib', 'domain', 'kong', 'kong-dbless'],
  k8s: ['lib', 'domain', 'kong', 'kong-dbless', 'queue'],
  jobs: ['lib', 'domain', 'kong', 'kong-dbless', 'queue', 'k8s'],
  workers: ['lib', 'domain', 'kong', 'kong-dbless', 'queue', 'k8s', 'jobs'],
  testing: ['lib', 'domain', 'kong', 'kong-dbless', 'queue', 'k8s', 'jobs', 'workers'],
  scripts: ['lib', 'domain', 'kong', 'kong-dbless', 'queue', 'k8s', 'jobs', 'workers', 'testing'],
  test: ['lib', 'domain', 'kong', 'kong-dbless', 'queue', 'k8s', 'jobs', 'workers', 'testing', 'scripts'],
};

/** Product layers: the code that runs in the controller (the harness, scripts and tests are not). */
const PRODUCT: ReadonlySet<Layer> = new Set(['lib', 'domain', 'kong', 'queue', 'k8s', 'jobs', 'workers']);

/** I/O libraries with one home among the product layers; `kong/admin` is the one I/O corner of kong/. */
export const OWNED_PACKAGES: Readonly<Record<string, { owner: string; reason: string }>> = {
  bullmq: { owner: 'queue/', reason: 'only queue/ talks to BullMQ' },
  ioredis: { owner: 'queue/', reason: 'only queue/ opens Redis connections and stores' },
  '@kubernetes/client-node': { owner: 'k8s/', reason: 'only k8s/ talks to the Kubernetes API' },
  undici: { owner: 'kong/admin/', reason: 'only kong/admin/ talks to the Kong Admin API' },
};

export interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

export function layerOf(path: string): Layer | undefined {
  if (path.startsWith('packages/kong-dbless/')) return 'kong-dbless';
  const top = path.split('/')[0];
  if (top === 'vitest.config.ts') return 'test';
  return (Object.keys(ALLOWED_LAYERS) as Layer[]).find((layer) => layer === top);
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module specifier a TypeScript source imports or re-exports (static, type-only and dynamic). */
export function importSpecifiers(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...withoutComments.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

/** Resolves `../x/y.ts` seen from `from` to a repository path (posix, no leading ./). */
function resolveRelative(from: string, specifier: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const segment of specifier.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.') parts.push(segment);
  }
  return parts.join('/');
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

export function checkImports(files: readonly { path: string; source: string }[]): Violation[] {
  const violations: Violation[] = [];
  for (const { path, source } of files) {
    const layer = layerOf(path);
    if (!layer) continue;
    for (const specifier of importSpecifiers(source)) {
      const add = (rule: string) => violations.push({ file: path, specifier, rule });
      if (specifier.startsWith('.')) {
        const target = resolveRelative(path, specifier);
        const targetLayer = layerOf(target);
        if (!targetLayer || targetLayer === layer) continue;
        if (layer === 'kong-dbless' || !ALLOWED_LAYERS[layer].includes(targetLayer))
          add(
            `${layer} may not import ${targetLayer}/ (allowed: ${ALLOWED_LAYERS[layer].join(', ') || 'nothing of ours'})`,
          );
        else if (targetLayer === 'kong-dbless')
          add('use the package through its public entry points (@kong-fleet/kong-dbless…), not its files');
        continue;
      }
      if (specifier.startsWith('node:')) continue;
      const name = packageName(specifier);
      if (name === '@kong-fleet/kong-dbless') {
        if (!ALLOWED_LAYERS[layer].includes('kong-dbless') && layer !== 'kong-dbless')
          add(`${layer} may not import kong-dbless`);
        continue;
      }
      const owned = OWNED_PACKAGES[name];
      if (owned && PRODUCT.has(layer) && !path.startsWith(owned.owner)) add(owned.reason);
    }
  }
  return violations;
}
