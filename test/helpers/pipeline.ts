import type { SimulatedProxy } from '@kong-fleet/kong-dbless/simulator';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parse } from 'yaml';
import type { ProxyStatus } from '../../domain/proxy.ts';
import { KongAdminClient } from '../../kong/admin/client.ts';
import { ReloadingTlsCredentials } from '../../kong/admin/tls-credentials.ts';
import { BuildStore } from '../../queue/store/build-store.ts';
import { ProxyRegistry } from '../../queue/store/proxy-registry.ts';
import { eventually } from './eventually.ts';
import { redisUrl } from './redis.ts';

/** Reads the controller's desired build from its Redis prefix. */
export async function desiredHash(prefix: string): Promise<string | undefined> {
  const redis = new Redis(redisUrl());
  try {
    return (await new BuildStore({ redis, prefix }).desired())?.hash;
  } finally {
    redis.disconnect();
  }
}

/** What the controller recorded about one proxy. */
export async function proxyStatus(prefix: string, id: string): Promise<ProxyStatus> {
  const redis = new Redis(redisUrl());
  try {
    return await new ProxyRegistry({ redis, prefix }).status(id);
  } finally {
    redis.disconnect();
  }
}

/** An Admin API client holding the controller's client certificate, to read what proxies serve. */
export async function adminClient(files: {
  cert: string;
  key: string;
  ca: string;
}): Promise<KongAdminClient> {
  const credentials = new ReloadingTlsCredentials(
    { certFile: files.cert, keyFile: files.key, caFile: files.ca },
    pino({ level: 'silent' }),
  );
  await credentials.load();
  return new KongAdminClient({ credentials });
}

export type ServedConfig = Record<string, Record<string, unknown>[] | string | boolean>;

/** What a proxy serves, read back through its own `GET /config` (Kong's flat export). */
export async function servedConfig(
  client: KongAdminClient,
  proxy: Pick<SimulatedProxy, 'id' | 'adminUrl'>,
  serverName: string,
): Promise<ServedConfig> {
  const read = await client.readConfig({ adminUrl: proxy.adminUrl, serverName });
  if (read.kind === 'failed') throw new Error(`GET /config on ${proxy.id}: ${read.description}`);
  return (parse(read.value) ?? {}) as ServedConfig;
}

export function entities(config: ServedConfig, collection: string): Record<string, unknown>[] {
  const list = config[collection];
  return Array.isArray(list) ? list : [];
}

/** A proxy in this process (the simulator) or a proxy pod in the pod network (asked over IPC). */
export interface ReportingProxy {
  state(): { configurationHash: string } | Promise<{ configurationHash: string }>;
}

/** Waits until every proxy reports the controller's desired hash (optionally: a hash other than `notHash`). */
export async function waitForConvergence(
  prefix: string,
  proxies: readonly ReportingProxy[],
  { timeoutMs = 30_000, notHash }: { timeoutMs?: number; notHash?: string } = {},
): Promise<string> {
  return eventually(
    async () => {
      const hash = await desiredHash(prefix);
      if (!hash || hash === notHash) return undefined;
      const reported = await Promise.all(
        proxies.map(async (proxy) => (await proxy.state()).configurationHash),
      );
      return reported.every((reportedHash) => reportedHash === hash) ? hash : undefined;
    },
    { timeoutMs, intervalMs: 100, description: `${proxies.length} proxies to report the desired hash` },
  );
}
