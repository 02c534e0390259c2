// `kong-fleet migrate -f FILE [--env]`: a KIC install in, kong-fleet chart values out (workers/kic-migration.ts).
// The values on stdout, with every KIC setting that could not be carried over as a comment at the top and one
// line each on stderr. Exit 0 when values were written (even with leftovers), 2 on unreadable input or bad usage.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { type Migration, MigrationInputError, migrateKic } from '../kic-migration.ts';
import { ExitCode } from './command.ts';

export const usage = `Usage: kong-fleet migrate -f FILE [--env]

Reads a Kong Ingress Controller install and prints the kong-fleet settings that carry it over:
FILE is the KIC Deployment manifest (its container args and CONTROLLER_* variables), or the values
file of the kong/ingress chart (controller.ingressController) or of the kong/kong chart (ingressController).
Everything that cannot be carried over is named, with what to do instead.

Options:
  -f, --file FILE   the KIC Deployment or chart values (required; '-' for stdin)
      --env         print KONG_FLEET_* variables (for deploy/controller.yaml) instead of chart values
  -h, --help        show this help`;

export function render(migration: Migration, asEnv: boolean): string {
  const header = [
    `# kong-fleet migrate: from a ${migration.input.replace(/-/g, ' ')}`,
    ...(migration.leftovers.length === 0
      ? ['# every KIC setting was carried over']
      : ['# not carried over:', ...migration.leftovers.map((l) => `#   ${l.source}: ${l.reason}`)]),
  ].join('\n');
  const body = asEnv
    ? Object.entries(migration.env)
        .map(([name, value]) => `${name}=${value}`)
        .join('\n')
    : stringify(migration.values, { lineWidth: 0 }).trimEnd();
  return `${header}\n${body}\n`;
}

export async function main(argv: string[]): Promise<number> {
  let values: { file?: string; env?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        file: { type: 'string', short: 'f' },
        env: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`kong-fleet migrate: ${(err as Error).message}\n\n${usage}\n`);
    return ExitCode.usage;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return ExitCode.ok;
  }
  if (!values.file) {
    process.stderr.write(`kong-fleet migrate: -f FILE is required\n\n${usage}\n`);
    return ExitCode.usage;
  }
  let migration: Migration;
  try {
    const text = readFileSync(values.file === '-' ? 0 : values.file, 'utf8');
    const documents = parseAllDocuments(text).map((doc) => {
      if (doc.errors.length > 0) throw new MigrationInputError(`not YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as unknown;
    });
    migration = migrateKic(documents);
  } catch (err) {
    const known = err instanceof MigrationInputError || (err as NodeJS.ErrnoException).code !== undefined;
    process.stderr.write(`kong-fleet migrate: ${known ? (err as Error).message : String(err)}\n`);
    return ExitCode.usage;
  }
  for (const leftover of migration.leftovers)
    process.stderr.write(`kong-fleet migrate: not carried over: ${leftover.source}: ${leftover.reason}\n`);
  process.stdout.write(render(migration, values.env === true));
  return ExitCode.ok;
}
