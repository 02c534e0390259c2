import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../../workers/metrics.ts';

const DIR = new URL('../../../deploy/monitoring/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, DIR), 'utf8');

/** Every sample name the controller's /metrics can carry, from its registry (histograms with their suffixes). */
function exportedSeries(): Set<string> {
  const names = new Set<string>();
  for (const metric of createMetrics().registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    else names.add(name);
  }
  return names;
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/**
 * The series names a PromQL expression selects: label matchers, grouping clauses, ranges and strings
 * removed, what remains that is not a function call or a keyword is a metric name.
 */
function seriesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(match.index + match[0].length);
    if (/^\s*\(/.test(after) || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

describe('deploy/monitoring', () => {
  const exported = exportedSeries();

  it('the exported names, read from the registry, include the fleet traffic series', () => {
    for (const name of [
      'kong_fleet_http_requests_total',
      'kong_fleet_bandwidth_bytes',
      'kong_fleet_request_latency_ms_bucket',
      'kong_fleet_proxies',
      'kong_fleet_pushes_total',
    ])
      expect(exported).toContain(name);
  });

  it('the Grafana dashboard parses and every query selects only series the controller exports', () => {
    const dashboard = JSON.parse(read('grafana-dashboard.json')) as { uid: string; panels: Panel[] };
    expect(dashboard.uid).toBe('kong-fleet');
    const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    const queries = panels.flatMap((panel) =>
      (panel.targets ?? []).map((t) => ({ panel: panel.title, expr: t.expr })),
    );
    expect(queries.length).toBeGreaterThan(10);
    for (const { panel, expr } of queries) {
      const series = seriesOf(expr);
      expect(series.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of series) expect(exported.has(name), `${panel}: ${name} is exported`).toBe(true);
    }
  });

  it('the PrometheusRule covers the six alerts and selects only exported series', () => {
    const rule = parse(read('prometheus-rules.yaml')) as {
      kind: string;
      spec: { groups: { rules: { alert: string; expr: string }[] }[] };
    };
    expect(rule.kind).toBe('PrometheusRule');
    const rules = rule.spec.groups.flatMap((group) => group.rules);
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'KongFleetControllerDown',
      'KongFleetDriftRepairsHigh',
      'KongFleetJobsFailing',
      'KongFleetProxyNotSynced',
      'KongFleetPushFailures',
      'KongFleetTrafficScrapeFailing',
    ]);
    // `up` is Prometheus' own series about the scrape, not the controller's.
    for (const { alert, expr } of rules)
      for (const name of seriesOf(expr).filter((n) => n !== 'up'))
        expect(exported.has(name), `${alert}: ${name} is exported`).toBe(true);
  });

  it('the chart ships the same rules: its files/prometheus-rules.yaml is a byte copy', () => {
    const chartCopy = readFileSync(
      new URL('../../../charts/kong-fleet/files/prometheus-rules.yaml', import.meta.url),
      'utf8',
    );
    expect(chartCopy).toBe(read('prometheus-rules.yaml'));
  });

  it('reads series names out of PromQL, and would catch a name the controller does not export', () => {
    expect(
      seriesOf(
        'histogram_quantile(0.95, sum by (route, le) (rate(kong_fleet_request_latency_ms_bucket{code=~"5.."}[5m])))',
      ),
    ).toEqual(['kong_fleet_request_latency_ms_bucket']);
    expect(seriesOf('a_total / on(x) group_left b_total > 0')).toEqual(['a_total', 'b_total']);
    expect(exported.has('kong_fleet_http_requests')).toBe(false);
  });

  it('stays out of the default kustomization', () => {
    expect(readFileSync(new URL('../kustomization.yaml', DIR), 'utf8')).not.toContain('monitoring');
  });
});
