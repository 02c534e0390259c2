/**
 * Micro-benchmark (not a test): validation time of a KIC-shaped config with N services, each with one route
 * and one upstream with one target. Usage: node scripts/kong-sim/bench-validate.ts [N=10000]
 */
import { validateDeclarativeConfig } from '../../kong/validate/index.ts';

const n = Number(process.argv[2] ?? 10_000);
const tags = (name: string) => [
  `k8s-name:${name}`,
  'k8s-namespace:default',
  'k8s-kind:Service',
  'k8s-version:v1',
];
const config = {
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
const runs: number[] = [];
let entities = 0;
for (let r = 0; r < 5; r++) {
  const started = performance.now();
  const result = validateDeclarativeConfig(config);
  runs.push(performance.now() - started);
  if (!result.ok) throw new Error(JSON.stringify(result.error).slice(0, 500));
  entities = result.entityCount;
}
runs.sort((a, b) => a - b);
console.log(
  `${entities} entities: median ${runs[2]!.toFixed(0)} ms, min ${runs[0]!.toFixed(0)} ms, max ${runs[4]!.toFixed(0)} ms (5 runs)`,
);
