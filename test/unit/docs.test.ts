import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crdReference } from '../../scripts/docs/crd-reference.ts';
import { fillGeneratedSections } from '../../scripts/docs/generated-sections.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const DOCS = join(ROOT, 'docs');
const pages = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .sort();
const read = (path: string) => readFileSync(path, 'utf8');

/** Markdown as biome leaves it and as a generator writes it compare equal: table cells trimmed, rules dropped. */
function normalise(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\|[-\s|:]+\|$/.test(line))
    .map((line) =>
      line.startsWith('|')
        ? line
            .split(/(?<!\\)\|/)
            .map((c) => c.trim())
            .join('|')
        : line.trimEnd(),
    )
    .join('\n')
    .trim();
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of text.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(
      match[1]!
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}

describe('docs/', () => {
  it('the README links the docs index on its first screen, and the index links every page', () => {
    const firstScreen = read(join(ROOT, 'README.md')).split('\n').slice(0, 25).join('\n');
    expect(firstScreen).toContain('docs/README.md');
    const index = read(join(DOCS, 'README.md'));
    for (const page of pages.filter((p) => p !== 'README.md')) expect(index, page).toContain(`(${page})`);
  });

  it('every relative link of every page points at a file (and a heading) that exists', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const path = join(DOCS, page);
      // Links only: code spans and fenced blocks hold regular expressions and shell, not links.
      const prose = read(path)
        .replace(/```[\s\S]*?```/g, '')
        .replace(/`[^`\n]*`/g, '');
      for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [file, anchor] = target!.split('#');
        const resolved = file ? join(dirname(path), file) : path;
        if (!existsSync(resolved)) broken.push(`${page}: ${target} (no ${relative(ROOT, resolved)})`);
        else if (anchor && resolved.endsWith('.md') && !anchorsOf(read(resolved)).has(anchor))
          broken.push(`${page}: ${target} (no heading #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('api-reference.md is what the CRDs say (npm run docs rewrites it)', () => {
    expect(normalise(read(join(DOCS, 'api-reference.md')))).toBe(normalise(crdReference()));
  });

  it('every generated section is what the code says now (npm run docs rewrites them)', () => {
    for (const page of pages) {
      const text = read(join(DOCS, page));
      expect(normalise(text), page).toBe(normalise(fillGeneratedSections(text)));
    }
  });

  it('statuses-and-events.md names every state, condition type and reason the controller writes', () => {
    const doc = read(join(DOCS, 'statuses-and-events.md'));
    const missing = [...writtenStatusWords()].filter((word) => !doc.includes(`\`${word}\``));
    expect(missing).toEqual([]);
  });
});

/**
 * The words the status writers put into `state`, condition `type` and `reason`: every quoted PascalCase literal of
 * the files that build statuses (a new one fails the test above until documented), minus the few that are
 * kinds or operators rather than statuses.
 */
function writtenStatusWords(): Set<string> {
  const NOT_STATUS = new Set([
    'GatewayClass',
    'Gateway',
    'Route',
    'Namespace',
    'Ingress',
    'TCPIngress',
    'UDPIngress',
    'None', // a headless Service's clusterIP
    'ReferenceGrant',
    'Service',
    'Secret',
    'ProxyFleet',
    'ProxyInstance',
    'DoesNotExist', // label-selector operators (allowedRoutes.namespaces.selector)
    'NotIn',
    'In',
    'Exists',
    'IPAddress', // Gateway status.addresses types
    'Hostname',
    'Same', // allowedRoutes.namespaces.from
    'All',
    'Selector',
    'HTTPRoute',
    'GRPCRoute',
    'TCPRoute',
    'UDPRoute',
    'TLSRoute',
    'BackendTLSPolicy',
    'ConfigMap', // BackendTLSPolicy caCertificateRefs kinds
    'System', // BackendTLSPolicy wellKnownCACertificates
    'CA', // "the 'CA' basic constraint" in a message
    'HTTP',
    'HTTPS',
    'TCP',
    'UDP',
    'TLS',
    'Passthrough',
    'Terminate',
    'EndpointSlice',
    'Static',
  ]);
  const sources = [
    'domain/proxy.ts',
    'jobs/proxy-state.ts',
    'jobs/proxy-status.ts',
    'jobs/gateway-status.ts',
    ...readdirSync(join(ROOT, 'k8s'))
      .filter((f) => /status/.test(f))
      .map((f) => `k8s/${f}`),
    ...readdirSync(join(ROOT, 'kong/translate/gateway-api')).map((f) => `kong/translate/gateway-api/${f}`),
  ];
  const words = new Set<string>();
  for (const source of sources) {
    const text = read(join(ROOT, source)).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const [, word] of text.matchAll(/'([A-Z][A-Za-z]+)'/g)) if (!NOT_STATUS.has(word!)) words.add(word!);
  }
  return words;
}
