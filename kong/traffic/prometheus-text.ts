/**
 * The Prometheus text exposition format (version 0.0.4), as Kong's prometheus plugin writes it on the
 * Status API's /metrics: `# HELP` / `# TYPE` comments, then `name{label="value",…} value [timestamp]`.
 * Pure: text in, samples out; a malformed line is an error naming its line number, never a guess.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** `# TYPE` per metric family name. */
  readonly types: ReadonlyMap<string, string>;
}

export class ExpositionError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      continue;
    }
    try {
      samples.push(parseSampleLine(line));
    } catch (err) {
      throw new ExpositionError(`line ${i + 1}: ${(err as Error).message}: ${line.slice(0, 120)}`);
    }
  }
  return { samples, types };
}

/** One `name{labels} value [timestamp]` line. */
export function parseSampleLine(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error('expected a metric name');
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith('}')) {
        rest = rest.slice(1);
        break;
      }
      const labelName = LABEL_NAME.exec(rest)?.[0];
      if (!labelName) throw new Error('expected a label name');
      rest = rest.slice(labelName.length).trimStart();
      if (!rest.startsWith('="')) throw new Error(`expected ="…" after label ${labelName}`);
      const { value, length } = readQuoted(rest.slice(2));
      labels[labelName] = value;
      rest = rest.slice(2 + length).trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new Error('expected , or } between labels');
    }
  }
  const [valueText, timestamp, extra] = rest.trim().split(/\s+/);
  if (valueText === undefined || valueText === '' || extra !== undefined)
    throw new Error('expected a value and an optional timestamp');
  if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) throw new Error('bad timestamp');
  return { name, labels, value: parseValue(valueText) };
}

/** A label value up to its closing quote, with `\\`, `\"` and `\n` unescaped. */
function readQuoted(text: string): { value: string; length: number } {
  let value = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, length: i + 1 };
    if (c === '\\') {
      const next = text[++i];
      if (next === 'n') value += '\n';
      else if (next === '\\' || next === '"') value += next;
      else throw new Error(`bad escape \\${next ?? ''}`);
    } else value += c;
  }
  throw new Error('unterminated label value');
}

/**
 * A sample value as Prometheus reads it (Go's ParseFloat): the special values in any case, so prom-client's
 * `Nan` (its event-loop gauges before the first measurement) is read, not refused.
 */
function parseValue(text: string): number {
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  if (special === 'nan') return Number.NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`bad value "${text}"`);
  return value;
}

const escapeLabel = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

/** `name{a="1",b="2"}` with the labels in the order given: the same text parseSampleLine reads back. */
export function formatSeries(name: string, labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return name;
  return `${name}{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}
