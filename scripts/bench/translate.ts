// Translation benchmark: N generated Ingress+Service+EndpointSlice sets; full build, rebuild after one change,
// canonical serialisation and local validation timed separately; heap and RSS growth measured around the build.
import { parseArgs } from 'node:util';
import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import { canonicalJson } from '../../kong/canonical.ts';
import { buildObjectsOf } from '../../kong/propagation.ts';
import { IncrementalBuilder, translate } from '../../kong/translate/index.ts';
import type { Benchmark } from './registry.ts';
import { gc, printTable, round1, summarize } from './report.ts';

/** One application: an Ingress routing a host to a Service with 3 ready endpoints (+1 not ready). */
export function generateSets(count: number): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const ns = `team-${i % 50}`;
    const name = `app-${i}`;
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace: ns, uid: uid(i, 1), annotations: { 'konghq.com/strip-path': 'true' } },
      spec: {
        ingressClassName: 'kong',
        rules: [
          {
            host: `${name}.example.com`,
            http: {
              paths: [
                {
                  path: `/${name}`,
                  pathType: 'Prefix',
                  backend: { service: { name, port: { number: 80 } } },
                },
                { path: '/healthz', pathType: 'Exact', backend: { service: { name, port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    });
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, uid: uid(i, 2), annotations: { 'konghq.com/read-timeout': '30000' } },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    });
    objects.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [0, 1, 2, 3].map((e) => ({
        addresses: [`10.${(i >> 8) & 255}.${i & 255}.${e + 10}`],
        conditions: { ready: e !== 3 },
      })),
    });
  }
  return objects;
}

function uid(i: number, kind: number): string {
  return `00000000-0000-4000-8${kind}00-${i.toString(16).padStart(12, '0')}`;
}

export const benchmark: Benchmark = {
  name: 'translate',
  summary: 'translation time and memory',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        sizes: { type: 'string', default: '1000,10000' },
        repeat: { type: 'string', default: '3' },
        'no-validate': { type: 'boolean', default: false },
        changes: { type: 'string', default: '11' },
      },
    });
    const sizes = values.sizes!.split(',').map(Number);
    const repeat = Math.max(1, Number(values.repeat));
    const rows: Record<string, unknown>[] = [];
    if (!(globalThis as { gc?: unknown }).gc)
      process.stderr.write('note: run node with --expose-gc for stable memory figures\n');
    for (const size of sizes) {
      const objects = generateSets(size);
      const full: number[] = [];
      const text: number[] = [];
      const change: number[] = [];
      const validate: number[] = [];
      let heapDelta = 0;
      let rssAfter = 0;
      let bytes = 0;
      let entities = 0;
      for (let r = 0; r < repeat; r++) {
        gc();
        const heapBefore = process.memoryUsage().heapUsed;
        let t = performance.now();
        const result = translate(objects);
        full.push(performance.now() - t);
        t = performance.now();
        const body = canonicalJson(result.config);
        text.push(performance.now() - t);
        const mem = process.memoryUsage();
        heapDelta = Math.max(heapDelta, mem.heapUsed - heapBefore);
        rssAfter = Math.max(rssAfter, mem.rss);
        bytes = Buffer.byteLength(body);
        entities = (result.config.services?.length ?? 0) * 2 + (result.config.upstreams?.length ?? 0);
        // One change: a different path on one Ingress, then a full rebuild + serialisation.
        const changed = objects.slice();
        const ing = structuredClone(changed[0]!) as {
          spec: { rules: Array<{ http: { paths: Array<{ path: string }> } }> };
        };
        ing.spec.rules[0]!.http.paths[0]!.path = `/changed-${r}`;
        changed[0] = ing as unknown as Record<string, unknown>;
        t = performance.now();
        canonicalJson(translate(changed).config);
        change.push(performance.now() - t);
        if (!values['no-validate']) {
          t = performance.now();
          const v = validateDeclarativeConfig(result.config, {
            kongVersion: '3.9.1',
            routerFlavor: 'traditional',
            now: () => 0,
          });
          validate.push(performance.now() - t);
          if (!v.ok)
            process.stderr.write(`validation failed for size ${size}: ${v.error.message.slice(0, 200)}\n`);
        }
      }
      rows.push({
        sets: size,
        objects: objects.length,
        entities,
        configBytes: bytes,
        fullBuildMs: round1(summarize(full).median),
        canonicalTextMs: round1(summarize(text).median),
        fullBuildPlusTextMs: round1(summarize(full).median + summarize(text).median),
        bestFullBuildPlusTextMs: round1(Math.min(...full.map((f, i) => f + text[i]!))),
        rebuildAfterOneChangeMs: round1(summarize(change).median),
        bestRebuildMs: round1(Math.min(...change)),
        validationMs: validate.length ? round1(summarize(validate).median) : null,
        heapGrowthMiB: round1(heapDelta / 2 ** 20),
        rssMiB: round1(rssAfter / 2 ** 20),
      });
    }
    printTable(rows);
    const builds = sizes.map((size) => incrementalRow(size, Math.max(1, Number(values.changes))));
    process.stdout.write(
      '\nbuild job path (IncrementalBuilder: fallback build with validation + canonical text + hash,\n',
    );
    process.stdout.write('plus buildObjectsOf), one Ingress changed per build:\n');
    printTable(builds);
    return [...rows, ...builds];
  },
};

/**
 * What the build job runs per build (jobs/build.ts): IncrementalBuilder.build (translate, validate, canonical
 * text, hash) and buildObjectsOf, on a first build, after each of `changes` one-Ingress changes, and with nothing
 * changed.
 */
function incrementalRow(size: number, changes: number): Record<string, unknown> {
  gc();
  let objects = generateSets(size);
  const builder = new IncrementalBuilder();
  const run = () => {
    const t = performance.now();
    const built = builder.build(objects);
    buildObjectsOf(built.config, objects, []);
    return { ms: performance.now() - t, built };
  };
  const first = run();
  let rss = process.memoryUsage().rss;
  const changed: number[] = [];
  for (let c = 0; c < changes; c++) {
    const i = (c * 3 * 7919) % objects.length;
    const ing = structuredClone(objects[i - (i % 3)]!) as {
      spec: { rules: Array<{ http: { paths: Array<{ path: string }> } }> };
    };
    ing.spec.rules[0]!.http.paths[0]!.path = `/changed-${c}`;
    objects = objects.map((o, j) => (j === i - (i % 3) ? (ing as unknown as Record<string, unknown>) : o));
    changed.push(run().ms);
    rss = Math.max(rss, process.memoryUsage().rss);
  }
  objects = [...objects];
  const same = run();
  const sorted = [...changed].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return {
    sets: size,
    path: 'build-job',
    fullBuildMs: round1(first.ms),
    changes,
    oneChangeP50Ms: round1(pct(50)),
    oneChangeP99Ms: round1(pct(99)),
    unchangedMs: round1(same.ms),
    unchangedReused: same.built.reused,
    valid: first.built.valid,
    rssMiB: round1(rss / 2 ** 20),
  };
}
