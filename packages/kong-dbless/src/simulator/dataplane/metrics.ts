/**
 * Request counters and latency histograms as Kong's Prometheus plugin exposes them on the Status API
 * (kong/plugins/prometheus/exporter.lua): per service/route/code/source/consumer, Kong's bucket boundaries,
 * zero-padded `le` values as its Lua library prints them. Only requests that matched a service are counted,
 * as Kong does. Survives config reloads; the data plane replaces it on a restart.
 */

const KONG_LATENCY_BUCKETS = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000];
const UPSTREAM_LATENCY_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];

export interface RequestRecord {
  service: string;
  route: string;
  consumer: string;
  code: number;
  /** `service` when the upstream answered, `kong` when Kong did (a plugin, an error). */
  source: 'service' | 'kong';
  ingressBytes: number;
  egressBytes: number;
  requestMs: number;
  /** Absent when no upstream was reached. */
  upstreamMs?: number;
  kongMs: number;
}

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
const labelText = (labels: Labels) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;

class Counter {
  private readonly series = new Map<string, number>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    this.series.set(key, (this.series.get(key) ?? 0) + by);
  }
  render(): string[] {
    if (this.series.size === 0) return [];
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.series].map(([labels, v]) => `${this.name}${labels} ${v}`),
    ];
  }
}

class Histogram {
  private readonly series = new Map<
    string,
    { labels: Labels; counts: number[]; sum: number; count: number }
  >();
  private readonly width: number;
  readonly name: string;
  readonly help: string;
  readonly buckets: number[];
  constructor(name: string, help: string, buckets: number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
    this.width = Math.max(...buckets.map((b) => b.toFixed(1).length));
  }
  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  render(): string[] {
    if (this.series.size === 0) return [];
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => {
        const le = b.toFixed(1).padStart(this.width, '0');
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le })} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
    }
    return lines;
  }
}

export interface Gauge {
  name: string;
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

export class RequestMetrics {
  private readonly requests = new Counter(
    'kong_http_requests_total',
    'HTTP status codes per consumer/service/route in Kong',
  );
  private readonly bandwidth = new Counter(
    'kong_bandwidth_bytes',
    'Total bandwidth (ingress/egress) throughput in bytes',
  );
  private readonly requestLatency = new Histogram(
    'kong_request_latency_ms',
    'Total latency incurred during requests for each service/route in Kong',
    UPSTREAM_LATENCY_BUCKETS,
  );
  private readonly upstreamLatency = new Histogram(
    'kong_upstream_latency_ms',
    'Latency added by upstream response for each service/route in Kong',
    UPSTREAM_LATENCY_BUCKETS,
  );
  private readonly kongLatency = new Histogram(
    'kong_kong_latency_ms',
    'Latency added by Kong and enabled plugins for each service/route in Kong',
    KONG_LATENCY_BUCKETS,
  );

  record(r: RequestRecord): void {
    const where = { service: r.service, route: r.route };
    this.requests.inc({
      ...where,
      code: String(r.code),
      source: r.source,
      workspace: 'default',
      consumer: r.consumer,
    });
    if (r.ingressBytes > 0)
      this.bandwidth.inc(
        { ...where, direction: 'ingress', workspace: 'default', consumer: r.consumer },
        r.ingressBytes,
      );
    if (r.egressBytes > 0)
      this.bandwidth.inc(
        { ...where, direction: 'egress', workspace: 'default', consumer: r.consumer },
        r.egressBytes,
      );
    this.requestLatency.observe({ ...where, workspace: 'default' }, r.requestMs);
    if (r.upstreamMs !== undefined)
      this.upstreamLatency.observe({ ...where, workspace: 'default' }, r.upstreamMs);
    this.kongLatency.observe({ ...where, workspace: 'default' }, r.kongMs);
  }

  /** The text exposition format, with the node-wide gauges given by the caller. */
  render(gauges: Gauge[]): string {
    const lines: string[] = [];
    for (const g of gauges) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const s of g.samples)
        lines.push(`${g.name}${Object.keys(s.labels).length ? labelText(s.labels) : ''} ${s.value}`);
    }
    for (const metric of [
      this.bandwidth,
      this.requests,
      this.kongLatency,
      this.requestLatency,
      this.upstreamLatency,
    ])
      lines.push(...metric.render());
    return `${lines.join('\n')}\n`;
  }
}
