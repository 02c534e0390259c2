import { eventReasonsMarkdown } from '../../domain/event-reasons.ts';
import { settingsMarkdown } from '../../workers/config.ts';
import { createMetrics } from '../../workers/metrics.ts';

/**
 * The parts of hand-written docs pages that come from the code: between `<!-- generated:NAME -->` and
 * `<!-- /generated:NAME -->`. `npm run docs` fills them in; test/unit/docs.test.ts fails when one is stale.
 */
export const generatedSections: Readonly<Record<string, () => string>> = {
  settings: settingsMarkdown,
  'event-reasons': eventReasonsMarkdown,
  metrics: metricsMarkdown,
};

/** Every metric on the controller's /metrics, with its type, labels and help text, from the registry itself. */
export function metricsMarkdown(): string {
  const rows = createMetrics()
    .registry.getMetricsAsArray()
    .map((metric) => {
      // prom-client's classes keep `labelNames`; the fleet traffic families are plain objects with a `type`.
      const m = metric as unknown as {
        name: string;
        help: string;
        labelNames?: readonly string[];
        type?: string;
      };
      return { ...m, type: m.type ?? metric.constructor.name.toLowerCase(), labels: m.labelNames ?? [] };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(
      (m) =>
        `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ') || '—'} | ${m.help.replace(/\|/g, '\\|')} |`,
    );
  return ['| metric | type | labels | what it counts |', '|---|---|---|---|', ...rows].join('\n');
}

const MARKER = /<!-- generated:([a-z-]+) -->\n[\s\S]*?<!-- \/generated:\1 -->/g;

/** `text` with every generated section replaced by what the code says now. */
export function fillGeneratedSections(text: string): string {
  return text.replace(MARKER, (_all, name: string) => {
    const make = generatedSections[name];
    if (!make) throw new Error(`unknown generated section "${name}"`);
    return `<!-- generated:${name} -->\n${make()}\n<!-- /generated:${name} -->`;
  });
}
