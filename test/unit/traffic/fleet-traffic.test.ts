import { describe, expect, it } from 'vitest';
import { FLEET_FAMILIES, type ProxyCounters, projectExposition } from '../../../kong/traffic/fleet-series.ts';
import { ExpositionError, parseExposition, parseSampleLine } from '../../../kong/traffic/prometheus-text.ts';
import { capSeries, routeIdentity, scrapeDelta } from '../../../kong/traffic/scrape-deltas.ts';
import { histogramQuantile, summarizeTraffic } from '../../../kong/traffic/traffic-summary.ts';

const BOUNDS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];
const pad = (b: number) => b.toFixed(1).padStart(7, '0');

/** An exposition as Kong's prometheus plugin (and the simulator) writes it: consumers, sources, padded bounds. */
function kongExposition(options: {
  nodeId: string;
  requests: Array<{ route: string; code: number; consumer?: string; source?: string; count: number }>;
  latencies?: Array<{ route: string; ms: number[] }>;
}): string {
  const lines = [
    '# HELP kong_node_info Kong Node metadata information',
    '# TYPE kong_node_info gauge',
    `kong_node_info{node_id="${options.nodeId}",version="3.9.0"} 1`,
    '# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong',
    '# TYPE kong_http_requests_total counter',
  ];
  for (const r of options.requests)
    lines.push(
      `kong_http_requests_total{service="shop",route="${r.route}",code="${r.code}",source="${r.source ?? 'service'}",workspace="default",consumer="${r.consumer ?? ''}"} ${r.count}`,
    );
  lines.push('# TYPE kong_request_latency_ms histogram');
  for (const l of options.latencies ?? []) {
    for (const b of BOUNDS)
      lines.push(
        `kong_request_latency_ms_bucket{service="shop",route="${l.route}",workspace="default",le="${pad(b)}"} ${l.ms.filter((ms) => ms <= b).length}`,
      );
    lines.push(
      `kong_request_latency_ms_bucket{service="shop",route="${l.route}",workspace="default",le="+Inf"} ${l.ms.length}`,
      `kong_request_latency_ms_count{service="shop",route="${l.route}",workspace="default"} ${l.ms.length}`,
      `kong_request_latency_ms_sum{service="shop",route="${l.route}",workspace="default"} ${l.ms.reduce((a, b) => a + b, 0)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const requestsKey = (route: string, code: number) =>
  `kong_fleet_http_requests_total{service="shop",route="${route}",code="${code}"}`;

describe('the Prometheus text parser', () => {
  it('reads names, escaped label values, special values and timestamps', () => {
    expect(parseSampleLine('a_total{x="q\\"uote\\\\d\\nl",y=""} 12 1700000000000')).toEqual({
      name: 'a_total',
      labels: { x: 'q"uote\\d\nl', y: '' },
      value: 12,
    });
    expect(parseSampleLine('up +Inf').value).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(parseSampleLine('up NaN').value)).toBe(true);
    // Case as Prometheus ignores it: prom-client writes `Nan`, Go writes `+Inf`, others `inf`.
    expect(Number.isNaN(parseSampleLine('nodejs_eventloop_lag_mean_seconds Nan').value)).toBe(true);
    expect(parseSampleLine('up -inf').value).toBe(Number.NEGATIVE_INFINITY);
    const parsed = parseExposition('# HELP c help text\n# TYPE c counter\nc{a="1"} 3\n\n');
    expect(parsed.types.get('c')).toBe('counter');
    expect(parsed.samples).toEqual([{ name: 'c', labels: { a: '1' }, value: 3 }]);
  });

  it('refuses a malformed line with its line number instead of guessing', () => {
    expect(() => parseExposition('ok 1\nbad{a="1" 2\n')).toThrow(ExpositionError);
    expect(() => parseExposition('ok 1\nbad{a="1" 2\n')).toThrow(/line 2/);
    expect(() => parseExposition('x{a="1"} twelve')).toThrow(/bad value/);
    expect(() => parseExposition('x{a="1} 1')).toThrow(/unterminated/);
  });
});

describe('projecting a proxy onto fleet series', () => {
  it('sums consumers and sources away and keeps service, route and code; normalises padded bounds', () => {
    const counters = projectExposition(
      parseExposition(
        kongExposition({
          nodeId: 'n1',
          requests: [
            { route: 'a', code: 200, consumer: 'alice', count: 3 },
            { route: 'a', code: 200, consumer: 'bob', count: 4 },
            { route: 'a', code: 401, source: 'kong', count: 2 },
          ],
          latencies: [{ route: 'a', ms: [10, 30, 90, 300] }],
        }),
      ),
    );
    expect(counters.nodeId).toBe('n1');
    expect(counters.series[requestsKey('a', 200)]).toBe(7);
    expect(counters.series[requestsKey('a', 401)]).toBe(2);
    expect(counters.series['kong_fleet_request_latency_ms_bucket{service="shop",route="a",le="25"}']).toBe(1);
    expect(counters.series['kong_fleet_request_latency_ms_bucket{service="shop",route="a",le="+Inf"}']).toBe(
      4,
    );
    expect(counters.series['kong_fleet_request_latency_ms_sum{service="shop",route="a"}']).toBe(430);
    // No proxy, node, consumer or workspace label survives.
    expect(Object.keys(counters.series).some((key) => /consumer|node_id|workspace|source/.test(key))).toBe(
      false,
    );
  });

  it('declares a fleet family for each Kong family it reads, none with a per-proxy label', () => {
    for (const family of FLEET_FAMILIES) {
      expect(family.name).toMatch(/^kong_fleet_/);
      expect(family.labels).not.toContain('proxy');
      expect(family.labels).not.toContain('node_id');
    }
  });
});

describe('deltas of one proxy across scrapes and restarts', () => {
  const at = (nodeId: string, a: number, b = 0): ProxyCounters => ({
    nodeId,
    series: { [requestsKey('a', 200)]: a, ...(b ? { [requestsKey('b', 200)]: b } : {}) },
  });

  it('counts everything on first sight, then only the growth', () => {
    const first = scrapeDelta(undefined, at('n1', 5));
    expect(first.increments).toEqual({ [requestsKey('a', 200)]: 5 });
    const second = scrapeDelta(first.seen, at('n1', 9));
    expect(second).toMatchObject({ reset: false, increments: { [requestsKey('a', 200)]: 4 } });
    expect(scrapeDelta(second.seen, at('n1', 9)).increments).toEqual({});
  });

  it('keeps the pre-restart total and adds the new count when a counter went down', () => {
    // 10 before the restart (already counted), 3 after it: the fleet adds 3, not -7 and not 13.
    const restarted = scrapeDelta(at('n1', 10), { series: at('x', 3).series });
    expect(restarted).toMatchObject({ reset: true, increments: { [requestsKey('a', 200)]: 3 } });
  });

  it('treats a whole scrape as a reset: a series that grew past its old value after a restart is not undercounted', () => {
    // Before: a=10, b=2. Restart. After: a=1 (went down), b=5 (5 new requests, though 5 > 2).
    const d = scrapeDelta(at('n1', 10, 2), { series: at('x', 1, 5).series });
    expect(d.reset).toBe(true);
    expect(d.increments).toEqual({ [requestsKey('a', 200)]: 1, [requestsKey('b', 200)]: 5 });
  });

  it('sees a restart by its new node id even when every counter grew past the old values', () => {
    const d = scrapeDelta(at('n1', 2), at('n2', 7));
    expect(d).toMatchObject({ reset: true, increments: { [requestsKey('a', 200)]: 7 } });
  });

  it('remembers a series the proxy stopped reporting, so it is not counted again if it comes back', () => {
    const gone = scrapeDelta(at('n1', 4, 6), at('n1', 5));
    expect(gone.seen.series[requestsKey('b', 200)]).toBe(6);
    expect(scrapeDelta(gone.seen, at('n1', 5, 6)).increments).toEqual({});
  });
});

describe('the cardinality limit', () => {
  it('admits new routes while there is room, folds the rest whole into _other, keeps totals exact', () => {
    const increments = {
      [requestsKey('a', 200)]: 1,
      [requestsKey('b', 200)]: 2,
      [requestsKey('c', 500)]: 3,
      'kong_fleet_request_latency_ms_bucket{service="shop",route="c",le="25"}': 3,
    };
    const known = new Set([routeIdentity('shop', 'a')]);
    const capped = capSeries(increments, known, 2);
    expect(capped.foldedRoutes).toEqual([routeIdentity('shop', 'c')]);
    expect(capped.admittedRoutes).toEqual([routeIdentity('shop', 'b')]);
    expect(capped.increments).toEqual({
      [requestsKey('a', 200)]: 1,
      [requestsKey('b', 200)]: 2,
      'kong_fleet_http_requests_total{service="_other",route="_other",code="500"}': 3,
      'kong_fleet_request_latency_ms_bucket{service="_other",route="_other",le="25"}': 3,
    });
    const sum = (values: Record<string, number>) =>
      Object.entries(values)
        .filter(([key]) => key.startsWith('kong_fleet_http_requests_total'))
        .reduce((total, [, value]) => total + value, 0);
    expect(sum(capped.increments)).toBe(sum(increments));
  });
});

describe('merging histograms and reading the table', () => {
  it('merges bucket by bucket across proxies and reads p95 as histogram_quantile would', () => {
    const one = projectExposition(
      parseExposition(
        kongExposition({ nodeId: 'n1', requests: [], latencies: [{ route: 'a', ms: [10, 20] }] }),
      ),
    );
    const two = projectExposition(
      parseExposition(
        kongExposition({ nodeId: 'n2', requests: [], latencies: [{ route: 'a', ms: [60, 70, 90, 900] }] }),
      ),
    );
    const merged: Record<string, number> = {};
    for (const counters of [one, two])
      for (const [key, value] of Object.entries(counters.series)) merged[key] = (merged[key] ?? 0) + value;
    expect(merged['kong_fleet_request_latency_ms_bucket{service="shop",route="a",le="25"}']).toBe(2);
    expect(merged['kong_fleet_request_latency_ms_bucket{service="shop",route="a",le="80"}']).toBe(4);
    expect(merged['kong_fleet_request_latency_ms_bucket{service="shop",route="a",le="+Inf"}']).toBe(6);
    const [row] = summarizeTraffic(merged);
    // rank 0.95 × 6 = 5.7 lies in (700, 1000] holding the 6th observation: 700 + 300 × 0.7.
    expect(row!.p95Ms).toBeCloseTo(910, 5);
    expect(row!.p50Ms).toBeCloseTo(50 + 30 * (1 / 2), 5);
  });

  it('answers error rates per route, busiest first', () => {
    const rows = summarizeTraffic({
      [requestsKey('a', 200)]: 8,
      [requestsKey('a', 503)]: 2,
      [requestsKey('b', 200)]: 20,
      [requestsKey('b', 404)]: 5,
    });
    expect(rows.map((row) => [row.route, row.requests, row.errorRate, row.clientErrors])).toEqual([
      ['b', 25, 0, 5],
      ['a', 10, 0.2, 0],
    ]);
  });

  it('gives the highest finite bound for a quantile in +Inf and nothing without observations', () => {
    expect(
      histogramQuantile(0.99, [
        [100, 1],
        [Number.POSITIVE_INFINITY, 10],
      ]),
    ).toBe(100);
    expect(
      histogramQuantile(0.5, [
        [100, 0],
        [Number.POSITIVE_INFINITY, 0],
      ]),
    ).toBeUndefined();
  });
});
