import type { Logger } from 'pino';
import { jobs } from '../../jobs/index.ts';
import { HttpAccess } from '../../queue/bull-board/http-access.ts';
import { mountBullBoard } from '../../queue/bull-board.ts';
import { admissionJudge } from '../admission-judge.ts';
import { type AdmissionWebhook, startAdmissionWebhook } from '../admission-webhook.ts';
import { ConfigError, parseSettings, settingsHelp } from '../config.ts';
import { createController } from '../controller.ts';
import { mountFleetConsole } from '../fleet-console.ts';
import { mountControllerRoutes } from '../http-routes.ts';
import { createHttpServer } from '../http-server.ts';
import { createLogger } from '../logger.ts';
import { redisTargetFromSettings } from '../redis-target.ts';
import { createRuntime } from '../runtime.ts';
import type { Settings } from '../settings.ts';
import { ExitCode } from './command.ts';

const USAGE = `Usage: kong-fleet run [options]

Runs the controller. Every option can also be given as an environment variable; flags win.

Options:
`;

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseSettings>;
  try {
    parsed = parseSettings({ argv, env: process.env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`kong-fleet run: ${err.message}\n`);
    return ExitCode.usage;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}${settingsHelp()}\n`);
    return ExitCode.ok;
  }
  if (parsed.positionals.length > 0) {
    process.stderr.write(`kong-fleet run: unexpected argument "${parsed.positionals[0]}"\n`);
    return ExitCode.usage;
  }

  const { settings } = parsed;
  const logger = createLogger({ level: settings.logLevel });
  const controller = createController(settings, logger);
  let crashed: Error | undefined;
  let onCrash: (reason: string) => void = () => {};
  const crash = new Promise<string>((resolve) => {
    onCrash = resolve;
  });
  // A promise nobody awaited must never end the process silently (Node's default exits with only a
  // stack on stderr): log it as fatal and stop cleanly, with a failure exit code.
  process.on('unhandledRejection', (reason) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    logger.fatal({ err: error }, 'unhandled promise rejection; stopping');
    crashed ??= error;
    onCrash('unhandled rejection');
  });
  const runtime = createRuntime({
    redisUrl: settings.redisUrl,
    redisAccess: redisTargetFromSettings(settings),
    queuePrefix: settings.queuePrefix,
    roles: settings.roles,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    jobs,
    deps: controller.deps,
    runnables: controller.runnables,
    leaderElection: controller.leaderElection,
    jobOverrides: controller.jobOverrides,
    logger,
    onStopped: (error) => {
      crashed = error;
      onCrash('crash');
    },
  });
  const http = createHttpServer({
    host: settings.httpHost,
    port: settings.httpPort,
    logger,
    readiness: () => runtime.readiness(),
  });

  const stopped = new Promise<string>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(ExitCode.failure);
      }
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });

  let reason: string;
  let webhook: AdmissionWebhook | undefined;
  try {
    const access = new HttpAccess(
      {
        viewer: { tokenFile: settings.boardTokenFile, basicAuthFile: settings.boardBasicAuthFile },
        operator: { tokenFile: settings.operatorTokenFile, basicAuthFile: settings.operatorBasicAuthFile },
      },
      logger,
    );
    await access.start(http.app);
    mountControllerRoutes(http.app, {
      deps: controller.current,
      metrics: controller.metrics,
      staleAfterMs: controller.staleAfterMs,
      access,
      metricsAuth: settings.metricsAuth,
    });
    await mountFleetConsole(http.app, {
      deps: controller.current,
      metrics: controller.metrics,
      staleAfterMs: controller.staleAfterMs,
      access,
    });
    await mountBullBoard(http.app, {
      queues: jobs.map((job) => runtime.producer.queue(job.name)),
      access,
      writable: settings.boardWritable,
      logger,
    });
    const address = await http.listen();
    logger.info({ address }, 'http server listening');
    webhook = await startWebhook(settings, controller, logger);
    // A signal may arrive while start() still waits for Redis: stopping then is a clean exit.
    const starting = runtime.start().then(() => undefined);
    reason = (await Promise.race([starting, stopped])) ?? (await Promise.race([stopped, crash]));
    starting.catch(() => {});
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    await Promise.allSettled([
      runtime.stop('start-up failed'),
      http.close(),
      controller.close(),
      webhook?.close(),
    ]);
    return ExitCode.failure;
  }

  await runtime.stop(reason);
  await Promise.allSettled([http.close(), controller.close(), webhook?.close()]);
  return crashed ? ExitCode.failure : ExitCode.ok;
}

/** The admission webhook when KONG_FLEET_WEBHOOK_PORT is set (it then needs its certificate and key). */
async function startWebhook(
  settings: Settings,
  controller: ReturnType<typeof createController>,
  logger: Logger,
): Promise<AdmissionWebhook | undefined> {
  if (settings.webhookPort === undefined) return undefined;
  if (!settings.webhookTlsCert || !settings.webhookTlsKey) {
    throw new Error(
      'KONG_FLEET_WEBHOOK_PORT needs KONG_FLEET_WEBHOOK_TLS_CERT and KONG_FLEET_WEBHOOK_TLS_KEY',
    );
  }
  return startAdmissionWebhook({
    host: settings.webhookHost,
    port: settings.webhookPort,
    certFile: settings.webhookTlsCert,
    keyFile: settings.webhookTlsKey,
    judge: admissionJudge(settings, controller.current),
    logger,
  });
}
