import { pino } from 'pino';
import { KongAdminClient } from '../../kong/admin/client.ts';
import { ReloadingTlsCredentials } from '../../kong/admin/tls-credentials.ts';
import { connectRedis, createRedisConnection, type RedisConnection } from '../../queue/connection.ts';
import { JobProducer } from '../../queue/producer.ts';
import { BuildStore } from '../../queue/store/build-store.ts';
import { DriftReports } from '../../queue/store/drift-reports.ts';
import { ProxyRegistry } from '../../queue/store/proxy-registry.ts';
import { RolloutStore } from '../../queue/store/rollout-store.ts';
import { StorageKeys } from '../../queue/store/storage-keys.ts';
import { TrafficStore } from '../../queue/store/traffic-store.ts';
import { ConfigError, type ParsedCommandLine, parseSettings, settingsHelp } from '../config.ts';
import { redisTargetFromSettings } from '../redis-target.ts';
import type { Settings } from '../settings.ts';
import { ExitCode } from './command.ts';

/** What the commands other than run work with: the controller's stores in Redis (and a producer for those that act). */
export interface Session {
  readonly settings: Settings;
  readonly options: ParsedCommandLine['options'];
  readonly positionals: readonly string[];
  readonly builds: BuildStore;
  readonly registry: ProxyRegistry;
  readonly driftReports: DriftReports;
  readonly traffic: TrafficStore;
  /** The Redis connection, for stores a single command reads. */
  readonly redis: RedisConnection;
  /** The rollout and the pin (jobs/rollout.ts). */
  readonly rollouts: RolloutStore;
  /** Adds jobs (pushes, a rollout look) for the commands that act: rollout promote|abort, rollback. */
  readonly producer: JobProducer;
  /** An Admin API client with the controller's TLS settings (created on first use). */
  admin(): Promise<KongAdminClient>;
}

export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly options?: Parameters<typeof parseSettings>[0]['options'];
}

/**
 * Runs a read-only command: parses its options and the controller settings (same flags and
 * environment as `kong-fleet run`), connects to Redis, and always disconnects. Exit 2 on bad usage.
 */
export async function withSession(
  argv: string[],
  spec: CommandSpec,
  body: (session: Session) => Promise<number>,
): Promise<number> {
  let parsed: ParsedCommandLine;
  try {
    parsed = parseSettings({ argv, env: process.env, options: spec.options });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`kong-fleet ${spec.name}: ${err.message}\n`);
    return ExitCode.usage;
  }
  if (parsed.help) {
    process.stdout.write(
      `${spec.usage}\n\nController settings (as for kong-fleet run):\n${settingsHelp()}\n`,
    );
    return ExitCode.ok;
  }
  const { settings } = parsed;
  const redis = createRedisConnection(redisTargetFromSettings(settings), 'producer', `cli-${spec.name}`);
  redis.on('error', () => {});
  let admin: KongAdminClient | undefined;
  const producer = new JobProducer({ connection: redis, prefix: settings.queuePrefix });
  try {
    await connectRedis(redis, 5000);
  } catch (err) {
    process.stderr.write(`kong-fleet ${spec.name}: cannot reach Redis: ${(err as Error).message}\n`);
    redis.disconnect();
    return ExitCode.failure;
  }
  const prefix = settings.queuePrefix;
  const storageKeys = new StorageKeys(settings.storageKeyFile, pino({ level: 'silent' }));
  try {
    await storageKeys.load();
    return await body({
      settings,
      options: parsed.options,
      positionals: parsed.positionals,
      builds: new BuildStore({ redis, prefix, sealed: storageKeys.sealed }),
      registry: new ProxyRegistry({ redis, prefix }),
      rollouts: new RolloutStore({ redis, prefix }),
      producer,
      driftReports: new DriftReports({ redis, prefix }),
      redis,
      traffic: new TrafficStore({
        redis,
        prefix,
        retentionMs: settings.trafficRetentionMs,
        maxRoutes: settings.trafficMaxRoutes,
      }),
      async admin() {
        if (!admin) {
          const files = {
            certFile: settings.adminTlsCert,
            keyFile: settings.adminTlsKey,
            caFile: settings.adminTlsCa,
          };
          const hasTls = files.certFile || files.keyFile || files.caFile;
          const credentials = hasTls
            ? new ReloadingTlsCredentials(files, pino({ level: 'silent' }))
            : undefined;
          await credentials?.load();
          admin = new KongAdminClient({ credentials });
        }
        return admin;
      },
    });
  } finally {
    await admin?.close();
    await producer.close();
    redis.disconnect();
  }
}

/** Rows as an aligned table with a header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `12s ago`, `3m ago`, for human tables. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  return `${Math.round(seconds / 3600)}h ago`;
}
