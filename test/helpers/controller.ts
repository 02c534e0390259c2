import { listeningAddress } from '../../testing/controller-process.ts';
import { type CliProcess, startCli } from './cli.ts';
import { eventually } from './eventually.ts';
import { kubeconfigPath } from './kube.ts';
import { redisUrl } from './redis.ts';

export interface ControllerProcessOptions {
  readonly namespace: string;
  readonly prefix: string;
  readonly adminService?: string;
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
  /** Extra KONG_FLEET_* settings. */
  readonly env?: Record<string, string>;
  /** @defaultValue the run's admin kubeconfig */
  readonly kubeconfig?: string;
  /** How long the process may take to listen. @defaultValue 20000 */
  readonly startTimeoutMs?: number;
}

export interface ControllerProcess extends CliProcess {
  readonly baseUrl: string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | string>;
  kill(): Promise<void>;
}

/** A real `kong-fleet run` process limited to one test namespace and Redis prefix. */
export async function startController(options: ControllerProcessOptions): Promise<ControllerProcess> {
  const env: Record<string, string> = {
    KONG_FLEET_REDIS_URL: redisUrl(),
    KONG_FLEET_QUEUE_PREFIX: options.prefix,
    KONG_FLEET_KUBECONFIG: options.kubeconfig ?? kubeconfigPath(),
    KONG_FLEET_WATCH_NAMESPACES: options.namespace,
    KONG_FLEET_NAMESPACE: options.namespace,
    KONG_FLEET_HTTP_HOST: '127.0.0.1',
    KONG_FLEET_HTTP_PORT: '0',
    KONG_FLEET_PUSH_BACKOFF_CAP: '2s',
    KONG_FLEET_LOG_LEVEL: 'info',
    ...(options.adminService ? { KONG_FLEET_ADMIN_SERVICE: options.adminService } : {}),
    ...(options.tls
      ? {
          KONG_FLEET_ADMIN_TLS_CERT: options.tls.cert,
          KONG_FLEET_ADMIN_TLS_KEY: options.tls.key,
          KONG_FLEET_ADMIN_TLS_CA: options.tls.ca,
        }
      : {}),
    ...options.env,
  };
  const cli = startCli(['run'], env);
  let exited = false;
  void cli.exited.then(() => {
    exited = true;
  });
  const baseUrl = await eventually(
    () => {
      if (exited) throw new Error(`controller exited early:\n${cli.stdout()}\n${cli.stderr()}`);
      return listeningAddress(cli.stdout());
    },
    // Loading the whole controller takes a few seconds alone, and much longer on a busy 2-core machine.
    { timeoutMs: options.startTimeoutMs ?? 60_000, description: 'the controller HTTP server' },
  );
  return {
    ...cli,
    baseUrl,
    async stop() {
      if (!exited) cli.child.kill('SIGTERM');
      return cli.exited;
    },
    async kill() {
      if (!exited) cli.child.kill('SIGKILL');
      await cli.exited;
    },
  };
}
