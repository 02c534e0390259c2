// Validation benchmark: a KIC-shaped declarative config with N services, each with one route, and N upstreams,
// each with one target (4N entities), validated repeatedly in one process by the shared Kong validator, with
// the full 201 body and with `output: 'errors-only'` (what the controller needs).
import { parseArgs } from 'node:util';
import { validateDeclarativeConfig } from '@kong-fleet/kong-dbless';
import type { Benchmark } from './registry.ts';
import { gc, printTable, round1 as round, summarize as stats } from './report.ts';

/** N services (each with a prefix and a regex path route) and N upstreams (each with one target). */
export function kicShapedConfig(n: number): Record<string, unknown> {
  const tags = (name: string) => [
    `k8s-name:${name}`,
    'k8s-namespace:default',
    'k8s-kind:Service',
    'k8s-version:v1',
  ];
  return {
    _format_version: '3.0',
    services: Array.from({ length: n }, (_, i) => ({
      name: `default.svc-${i}.80`,
      host: `svc-${i}.default.80.svc`,
      port: 80,
      protocol: 'http',
      path: '/',
      retries: 5,
      connect_timeout: 60000,
      read_timeout: 60000,
      write_timeout: 60000,
      tags: tags(`svc-${i}`),
      routes: [
        {
          name: `default.ing-${i}.svc-${i}.example.com.80`,
          hosts: ['example.com'],
          paths: [`/svc-${i}`, `~/svc-${i}/v[0-9]+$`],
          preserve_host: true,
          strip_path: false,
          https_redirect_status_code: 426,
          path_handling: 'v0',
          tags: tags(`ing-${i}`),
        },
      ],
    })),
    upstreams: Array.from({ length: n }, (_, i) => ({
      name: `svc-${i}.default.80.svc`,
      algorithm: 'round-robin',
      tags: tags(`svc-${i}`),
      targets: [{ target: `10.244.${(i >> 8) & 255}.${i & 255}:8080`, weight: 100 }],
    })),
  };
}

type Output = 'entities' | 'errors-only';

export const benchmark: Benchmark = {
  name: 'validate',
  summary: 'validation time of 4N entities, full 201 body and errors-only',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        sizes: { type: 'string', default: '1000,10000' },
        runs: { type: 'string', default: '7' },
        warmup: { type: 'string', default: '1' },
        output: { type: 'string', default: 'entities,errors-only' },
      },
    });
    const sizes = values.sizes!.split(',').map(Number);
    const runs = Math.max(1, Number(values.runs));
    // Untimed warm-up runs first; the first is reported (in the first row it is the cold run: JIT, empty memos,
    // a small heap).
    const warmup = Math.max(0, Number(values.warmup));
    const outputs = values.output!.split(',') as Output[];
    for (const output of outputs) {
      if (output !== 'entities' && output !== 'errors-only') throw new Error(`unknown --output ${output}`);
    }
    const rows: Record<string, unknown>[] = [];
    for (const size of sizes) {
      const config = kicShapedConfig(size);
      for (const output of outputs) {
        const wall: number[] = [];
        const cpu: number[] = [];
        let entities = 0;
        let heapMiB = 0;
        let firstRunMs: number | null = null;
        for (let r = 0; r < warmup; r++) {
          gc();
          const started = performance.now();
          validateDeclarativeConfig(config, { output });
          firstRunMs ??= round(performance.now() - started);
        }
        for (let r = 0; r < runs; r++) {
          gc();
          const heapBefore = process.memoryUsage().heapUsed;
          const cpuBefore = process.threadCpuUsage();
          const started = performance.now();
          const result = validateDeclarativeConfig(config, { output });
          wall.push(performance.now() - started);
          const cpuUsed = process.threadCpuUsage(cpuBefore);
          cpu.push((cpuUsed.user + cpuUsed.system) / 1000);
          heapMiB = Math.max(heapMiB, (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20);
          if (!result.ok) throw new Error(`size ${size}: ${result.error.message.slice(0, 300)}`);
          entities = result.entityCount;
        }
        const w = stats(wall);
        rows.push({
          entities,
          output,
          warmup,
          runs,
          firstRunMs,
          medianMs: round(w.median),
          minMs: round(w.min),
          maxMs: round(w.max),
          medianThreadCpuMs: round(stats(cpu).median),
          heapGrowthMiB: round(heapMiB),
        });
      }
    }
    printTable(rows);
    return rows;
  },
};
