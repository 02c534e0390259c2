/** A benchmark: `npm run bench -- <name> [flags]`. Prints a table and returns rows the dispatcher writes as JSON. */
export interface Benchmark {
  readonly name: string;
  readonly summary: string;
  /** Runs with the flags after the name; returns the rows written to `.bench-results/<name>-<time>.json`. */
  readonly run: (argv: string[]) => Promise<Record<string, unknown>[]>;
}

/** Every benchmark, loaded lazily so one benchmark never pays for another's imports. */
export const benchmarks: ReadonlyArray<{ name: string; summary: string; load: () => Promise<Benchmark> }> = [
  {
    name: 'translate',
    summary:
      'translation (+ canonical text, + validation) time and memory for N Ingress+Service+EndpointSlice sets',
    load: async () => (await import('./translate.ts')).benchmark,
  },
  {
    name: 'convergence',
    summary:
      'change → all N proxies synced (p50/p99) and builds/pushes for a write burst (real apiserver, Redis, controller)',
    load: async () => (await import('./convergence.ts')).benchmark,
  },
  {
    name: 'validate',
    summary: 'Kong declarative-config validation of 4N entities (full 201 body and errors-only), N=1k,10k',
    load: async () => (await import('./validate.ts')).benchmark,
  },
  {
    name: 'status-writes',
    summary:
      'Kubernetes API writes/min of propagation status and the Pod readiness gate at N=1,000 proxies (first rollout, steady, changes)',
    load: async () => (await import('./status-writes.ts')).benchmark,
  },
  {
    name: 'restart',
    summary:
      'proxy restart (config lost) → restored p50/p99 for the 1st … 5th restart in a row, and probe CPU',
    load: async () => (await import('./restart.ts')).benchmark,
  },
  {
    name: 'soak',
    summary:
      'controller RSS over time: N proxies, KIC fixture config, one change every 5 s (table each minute)',
    load: async () => (await import('./soak.ts')).benchmark,
  },
];
