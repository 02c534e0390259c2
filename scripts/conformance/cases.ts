import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ConformanceVariant {
  caseName: string;
  variant: string;
  input: string;
  settings?: string;
  golden: string;
}

/** Cases = subdirectories; variants = `default` plus one per `<name>_settings.yaml` (upstream harness rules). */
export function discoverVariants(root: string): ConformanceVariant[] {
  const out: ConformanceVariant[] = [];
  for (const caseName of readdirSync(root).sort()) {
    const dir = join(root, caseName);
    if (!statSync(dir).isDirectory()) continue;
    const files = readdirSync(dir);
    const input = join(dir, 'in.yaml');
    out.push({ caseName, variant: 'default', input, golden: join(dir, 'default_golden.yaml') });
    for (const file of files.sort()) {
      const m = /^(.+)_settings\.yaml$/.exec(file);
      if (!m) continue;
      out.push({
        caseName,
        variant: m[1]!,
        input,
        settings: join(dir, file),
        golden: join(dir, `${m[1]}_golden.yaml`),
      });
    }
  }
  return out;
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}
