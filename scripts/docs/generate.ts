import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdReference } from './crd-reference.ts';
import { fillGeneratedSections } from './generated-sections.ts';

/**
 * `npm run docs`: rewrites docs/api-reference.md from the CRDs and the generated sections of every other page
 * from the code, then lets biome pad the tables as it formats Markdown.
 */
const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const DOCS = join(REPO_ROOT, 'docs');
const written: string[] = [];
writeFileSync(join(DOCS, 'api-reference.md'), crdReference());
written.push(join(DOCS, 'api-reference.md'));
for (const file of readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'api-reference.md')) {
  const path = join(DOCS, file);
  const text = readFileSync(path, 'utf8');
  const filled = fillGeneratedSections(text);
  if (filled !== text) {
    writeFileSync(path, filled);
    written.push(path);
  }
}
execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', ...written], {
  stdio: 'inherit',
});
console.log(`docs: ${written.length} page(s) written`);
