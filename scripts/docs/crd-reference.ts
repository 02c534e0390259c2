import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * docs/api-reference.md, generated from kong-fleet's own CRDs (deploy/crds): every field with its type,
 * constraints and description, and the printer columns `kubectl get` shows. The CRDs are the source of truth;
 * test/unit/docs.test.ts fails when the page and the CRDs differ (`npm run docs` rewrites it).
 */

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
  description?: string;
}

interface Crd {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames?: string[] };
    versions: {
      name: string;
      additionalPrinterColumns?: PrinterColumn[];
      subresources?: Record<string, unknown>;
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

const REPO_ROOT = new URL('../..', import.meta.url).pathname;
export const CRD_DIR = join(REPO_ROOT, 'deploy', 'crds');

/** Table cells hold no pipes or line breaks. */
function cell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

function constraints(schema: Schema): string[] {
  const out: string[] = [];
  if (schema.enum) out.push(`one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (schema.default !== undefined) out.push(`default \`${JSON.stringify(schema.default)}\``);
  if (schema.minimum !== undefined) out.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) out.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) out.push(`length ≥ ${schema.minLength}`);
  if (schema.maxLength !== undefined) out.push(`length ≤ ${schema.maxLength}`);
  if (schema.minItems !== undefined) out.push(`items ≥ ${schema.minItems}`);
  if (schema.maxItems !== undefined) out.push(`items ≤ ${schema.maxItems}`);
  if (schema.format) out.push(`format ${schema.format}`);
  if (schema.pattern) out.push(`pattern \`${schema.pattern}\``);
  return out;
}

function typeOf(schema: Schema): string {
  if (schema.type === 'array') return `${schema.items ? typeOf(schema.items) : 'any'}[]`;
  if (schema['x-kubernetes-preserve-unknown-fields'] && !schema.properties) return 'object (free-form)';
  return schema.type ?? 'any';
}

/** One row per field below `path`, depth first, in the CRD's order. */
function fieldRows(schema: Schema, path: string, required: boolean, rows: string[]): void {
  const notes = [required ? 'required' : '', ...constraints(schema)].filter(Boolean).join('; ');
  rows.push(`| \`${path}\` | ${typeOf(schema)} | ${cell(schema.description ?? '')} | ${cell(notes)} |`);
  const object = schema.type === 'array' ? schema.items : schema;
  const suffix = schema.type === 'array' ? '[]' : '';
  for (const [name, child] of Object.entries(object?.properties ?? {})) {
    fieldRows(child, `${path}${suffix}.${name}`, object?.required?.includes(name) ?? false, rows);
  }
}

export function crdReference(dir = CRD_DIR): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort();
  const out = [
    '# API reference: ProxyInstance and ProxyFleet',
    '',
    '<!-- Generated from deploy/crds by `npm run docs`; test/unit/docs.test.ts keeps it equal to the CRDs. -->',
    '',
    "kong-fleet's own resources, in the API group `kongfleet.io`. The controller owns `.status` of both (status",
    'subresource); what the states, conditions and reasons mean is in [statuses and Events](statuses-and-events.md).',
  ];
  for (const file of files) {
    const crd = parse(readFileSync(join(dir, file), 'utf8')) as Crd;
    const { group, scope, names } = crd.spec;
    for (const version of crd.spec.versions) {
      out.push('', `## ${names.kind} (\`${group}/${version.name}\`)`, '');
      const root = version.schema.openAPIV3Schema;
      if (root.description) out.push(cell(root.description), '');
      out.push(
        `${scope}; \`kubectl get ${names.plural}\`${names.shortNames?.length ? ` (short: ${names.shortNames.map((s) => `\`${s}\``).join(', ')})` : ''}; subresources: ${Object.keys(version.subresources ?? {}).join(', ') || 'none'}.`,
      );
      const columns = version.additionalPrinterColumns ?? [];
      if (columns.length > 0) {
        out.push(
          '',
          '### Columns of `kubectl get`',
          '',
          '| column | type | from | shown |',
          '|---|---|---|---|',
        );
        for (const c of columns) {
          out.push(
            `| ${c.name} | ${c.type} | \`${c.jsonPath}\` | ${c.priority ? '`-o wide`' : 'always'}${c.description ? `: ${cell(c.description)}` : ''} |`,
          );
        }
      }
      for (const section of ['spec', 'status'] as const) {
        const schema = root.properties?.[section];
        if (!schema) continue;
        out.push(
          '',
          `### \`${section}\``,
          '',
          '| field | type | description | constraints |',
          '|---|---|---|---|',
        );
        const rows: string[] = [];
        for (const [name, child] of Object.entries(schema.properties ?? {})) {
          fieldRows(child, `${section}.${name}`, schema.required?.includes(name) ?? false, rows);
        }
        out.push(...rows);
      }
    }
  }
  return `${out.join('\n')}\n`;
}
