import { parseArgs } from 'node:util';
import { clusterPrefix } from '../queue/keys.ts';
import { type SettingName, type SettingSpec, type Settings, settingSpecs } from './settings.ts';

/** A setting that could not be used. The message names the setting, the value and what is allowed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ParseSettingsInput {
  /** Command-line arguments after the command name. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Options of the command itself (e.g. `--json`), next to the settings. */
  readonly options?: Readonly<
    Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>
  >;
}

export interface ParsedCommandLine {
  readonly settings: Settings;
  /** Arguments that are not options. */
  readonly positionals: readonly string[];
  readonly help: boolean;
  /** Values of the command's own options. */
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
}

const specEntries = Object.entries(settingSpecs) as [SettingName, SettingSpec<unknown>][];

/**
 * Flags > environment > defaults, each value validated by its setting's schema; the result is frozen.
 * Throws ConfigError on the first bad value or unknown flag.
 */
export function parseSettings({ argv, env, options = {} }: ParseSettingsInput): ParsedCommandLine {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(specEntries.map(([, spec]) => [spec.flag, { type: 'string' as const }])),
        ...options,
      },
    });
  } catch (err) {
    const option = /option '([^']+)'/.exec((err as Error).message)?.[1];
    throw new ConfigError(option ? `unknown option ${option}` : (err as Error).message);
  }

  const values: Record<string, unknown> = {};
  for (const [name, spec] of specEntries) {
    const fromFlag = parsed.values[spec.flag];
    const fromEnv = env[spec.env];
    const [source, raw] =
      typeof fromFlag === 'string'
        ? [`--${spec.flag}`, fromFlag]
        : fromEnv !== undefined && fromEnv !== ''
          ? [spec.env, fromEnv]
          : [`${spec.env} (default)`, spec.default];
    if (raw === undefined) {
      values[name] = undefined;
      continue;
    }
    const result = spec.schema.safeParse(raw);
    if (!result.success) {
      const reason = result.error.issues[0]?.message ?? 'invalid value';
      const shown = spec.secret ? maskSecret(raw) : raw;
      throw new ConfigError(`invalid setting ${source}=${JSON.stringify(shown)}: ${reason}`);
    }
    values[name] = result.data;
  }
  const clusterNodes = values.redisClusterNodes as readonly unknown[];
  if (clusterNodes.length > 0) {
    if ((values.redisSentinels as readonly unknown[]).length > 0)
      throw new ConfigError(
        `${settingSpecs.redisClusterNodes.env} and ${settingSpecs.redisSentinels.env} cannot both be set: Redis is either a Cluster or a Sentinel-watched primary`,
      );
    values.queuePrefix = clusterPrefix(values.queuePrefix as string);
  }

  return {
    settings: deepFreeze(values) as Settings,
    positionals: parsed.positionals,
    help: parsed.values.help === true,
    options: Object.fromEntries(
      Object.keys(options).map((name) => [name, parsed.values[name] as string | boolean | undefined]),
    ),
  };
}

/** Keeps a value readable but hides the credentials of a URL (`redis://user:pass@host` → `redis://****@host`). */
export function maskSecret(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1****@');
}

/** The options table for `kong-fleet run --help` and the README. */
export function settingsHelp(): string {
  const rows = specEntries.map(([, spec]) => [
    `--${spec.flag}`,
    spec.env,
    spec.default ?? '(none)',
    spec.help,
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  '))
    .join('\n');
}

/** The settings as the README's configuration table (kept in sync by a test). */
export function settingsMarkdown(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  return [
    '| environment | flag | default | what it does |',
    '|---|---|---|---|',
    ...specEntries.map(
      ([, spec]) =>
        `| \`${spec.env}\` | \`--${spec.flag}\` | ${spec.default ? `\`${spec.default}\`` : '—'} | ${cell(spec.help)} |`,
    ),
  ].join('\n');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
