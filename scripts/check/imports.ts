#!/usr/bin/env node
// `npm run check:imports`: applies the import-direction rules (scripts/check/import-layers.ts,
// tabled in ARCHITECTURE.md) to every TypeScript file git knows. Exit 1 with one line per violation.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkImports } from './import-layers.ts';

const root = resolve(import.meta.dirname, '../..');
const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
  cwd: root,
  encoding: 'utf8',
});
const files = listed
  .split('\n')
  .filter(Boolean)
  .flatMap((path) => {
    try {
      return [{ path, source: readFileSync(resolve(root, path), 'utf8') }];
    } catch {
      return []; // deleted in the work tree but still in the index
    }
  });
const violations = checkImports(files);
for (const v of violations) console.error(`${v.file}: imports '${v.specifier}': ${v.rule}`);
console.log(`import layers: ${files.length} files checked, ${violations.length} violation(s)`);
process.exit(violations.length > 0 ? 1 : 0);
