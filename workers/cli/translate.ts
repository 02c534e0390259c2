// `kong-fleet translate -f FILE [--settings SETTINGS.yaml] [--json]`: the Kong config for the objects in a YAML
// file. Config on stdout (YAML, or the canonical JSON text with --json), one line per object error on stderr.
// Exit 0 when a config was produced (even with dropped objects), 2 on unreadable input or bad usage.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { canonicalJson } from '../../kong/canonical.ts';
import {
  buildWithFallback,
  formatObjectError,
  parseSettings,
  parseYamlObjects,
  SettingsError,
  withDefaultNamespace,
  YamlInputError,
} from '../../kong/translate/index.ts';
import { ExitCode } from './command.ts';

export const usage = `Usage: kong-fleet translate -f FILE [--settings SETTINGS.yaml] [--namespace NS] [--json] [--no-validate]

Translates the Kubernetes objects in FILE (multi-document YAML, '-' for stdin) into a Kong declarative
config (format 3.0), as the Kong Ingress Controller would.

Options:
  -f, --file FILE        objects to translate (required)
  -s, --settings FILE    settings in the KIC golden fixtures' format: feature_flags: { ExpressionRoutes: true, ... }
  -n, --namespace NS     namespace for namespaced objects that have none (as kubectl apply -n does);
                         without it such objects stay namespace-less, as in KIC's golden tests
      --json             print the canonical JSON text the controller sends, instead of YAML
      --no-validate      skip local validation and the fallback that drops objects Kong would reject
  -h, --help             show this help`;

export async function main(argv: string[]): Promise<number> {
  let values: {
    file?: string;
    settings?: string;
    namespace?: string;
    json?: boolean;
    'no-validate'?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        file: { type: 'string', short: 'f' },
        settings: { type: 'string', short: 's' },
        namespace: { type: 'string', short: 'n' },
        json: { type: 'boolean', default: false },
        'no-validate': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`kong-fleet translate: ${(err as Error).message}\n\n${usage}\n`);
    return ExitCode.usage;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return ExitCode.ok;
  }
  if (!values.file) {
    process.stderr.write(`kong-fleet translate: -f FILE is required\n\n${usage}\n`);
    return ExitCode.usage;
  }

  let objects: unknown[];
  let settings: ReturnType<typeof parseSettings>;
  try {
    objects = parseYamlObjects(readText(values.file));
    if (values.namespace) objects = withDefaultNamespace(objects, values.namespace);
    settings = parseSettings(values.settings ? readText(values.settings) : '');
  } catch (err) {
    const known = err instanceof YamlInputError || err instanceof SettingsError || isFsError(err);
    process.stderr.write(`kong-fleet translate: ${known ? (err as Error).message : String(err)}\n`);
    return ExitCode.usage;
  }

  const result = buildWithFallback(objects, {
    settings,
    validate: values['no-validate'] ? false : undefined,
  });
  for (const error of result.errors) process.stderr.write(`${formatObjectError(error)}\n`);
  if (result.valid === false) {
    process.stderr.write(
      `kong-fleet translate: the config still fails local validation: ${result.validationError?.message}\n`,
    );
  }
  const text = canonicalJson(result.config);
  // YAML from the canonical text: sorted keys, no anchors for shared values.
  process.stdout.write(
    values.json ? `${text}\n` : stringify(JSON.parse(text), { lineWidth: 0, aliasDuplicateObjects: false }),
  );
  return ExitCode.ok;
}

function readText(path: string): string {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}

function isFsError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
