import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { HttpAccess } from './bull-board/http-access.ts';
import { redactSecrets } from './bull-board/redact.ts';

export type { BoardAuthFiles } from './bull-board/credential-files.ts';
export { HTTP_REALM as BOARD_REALM } from './bull-board/http-access.ts';

export interface BullBoardOptions {
  /** Every queue to show (build, push, drift). */
  readonly queues: readonly Queue[];
  /** Where the board is served. @defaultValue '/queues' */
  readonly basePath?: string;
  /**
   * Who may read (viewer) and who may write (operator), started by the caller; with no credential
   * file configured the board is not served (503), never open.
   */
  readonly access: HttpAccess;
  /** Allow retry, clean, pause, add… from the board, with operator credentials. @defaultValue false */
  readonly writable?: boolean;
  readonly logger: Logger;
  /**
   * Seconds between two refreshes of an open board, forced on every tab (the default is 5 s per
   * tab per queue). @defaultValue 10
   */
  readonly pollingIntervalSeconds?: number;
  /**
   * Show the workers consuming each queue. Costs one `CLIENT LIST` per queue per refresh, which is
   * cheap next to what it tells (a queue nobody consumes); turn off on Redis services that forbid
   * `CLIENT LIST`. @defaultValue true
   */
  readonly showWorkers?: boolean;
}

export interface BullBoardMount {
  /** 'disabled' when no credential file is configured (the base path then answers 503). */
  readonly auth: 'token' | 'basic' | 'token+basic' | 'disabled';
  readonly writable: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Serves Bull Board under `basePath` on the controller's fastify server. Every request under it
 * (UI, static files, API) must carry viewer or operator credentials (see `HttpAccess`); every
 * queue is read-only unless `writable`, and writes then need the operator role. Call before
 * `listen()`, after `access.start()`.
 */
export async function mountBullBoard(
  app: FastifyInstance,
  options: BullBoardOptions,
): Promise<BullBoardMount> {
  const basePath = options.basePath ?? '/queues';
  if (!/^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/.test(basePath)) {
    throw new Error(
      `Bull Board base path "${basePath}" must start with "/" and not end with one, e.g. /queues`,
    );
  }
  const writable = options.writable ?? false;
  const logger = options.logger.child({ component: 'bull-board' });
  const { access } = options;

  if (!access.configured) {
    logger.warn({ basePath }, 'Bull Board not served: no credential file configured');
    await app.register(
      async (scope) => {
        // authenticate() answers the 503 that names the settings.
        scope.all('/', access.requireViewer);
        scope.all('/*', access.requireViewer);
      },
      { prefix: basePath },
    );
    return { auth: 'disabled', writable };
  }

  // Loaded only when the board is served: its UI, static assets and routes cost ~5 MiB of RSS that a
  // replica with no board credential file (the default) never uses (README § Benchmarks, soak).
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: options.queues.map((queue) => {
      // readOnlyMode makes Bull Board hide the write buttons and answer 405 on its write endpoints.
      const adapter = new BullMQAdapter(queue, { readOnlyMode: !writable });
      adapter.setFormatter('data', redactSecrets);
      adapter.setFormatter('returnValue', redactSecrets);
      return adapter;
    }),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'kong-fleet queues',
        pollingInterval: { forceInterval: options.pollingIntervalSeconds ?? 10 },
        showWorkers: options.showWorkers ?? true,
      },
    },
  });

  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    const role = access.authenticate(request, reply);
    if (!role) return reply;
    if (SAFE_METHODS.has(request.method)) return;
    // A second lock behind Bull Board's own per-queue readOnlyMode: a write endpoint that forgets
    // the check (pause-all answers 200 and skips read-only queues) still cannot change anything.
    if (!writable) {
      return reply
        .code(405)
        .header('allow', 'GET, HEAD')
        .send({
          error: { key: 'ERRORS.QUEUE_READ_ONLY' },
          message: 'the board is read-only (set KONG_FLEET_BOARD_WRITABLE=true to allow changes)',
        });
    }
    if (role !== 'operator') {
      return reply.code(403).send({
        error: 'forbidden',
        message:
          'board writes need operator credentials (KONG_FLEET_OPERATOR_TOKEN_FILE or _BASIC_AUTH_FILE)',
      });
    }
    // Basic-auth credentials ride along on cross-site requests; browsers name the page that sent a
    // write in Origin, so a write from any other site is refused (CSRF).
    if (crossOrigin(request)) {
      return reply.code(403).send({ error: 'forbidden', message: 'cross-origin writes are refused' });
    }
  };

  await app.register(
    async (scope) => {
      scope.addHook('onRequest', guard);
      // Unknown paths under the base path are answered here, behind the guard, not by the root 404.
      scope.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not-found' }));
      // The board can change queues when writable: never let another site frame it (clickjacking).
      scope.addHook('onSend', async (_request, reply) => {
        reply.header('x-frame-options', 'DENY');
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: basePath },
  );

  const auth = authMode(access);
  logger.info({ basePath, auth, writable, queues: options.queues.map((q) => q.name) }, 'Bull Board mounted');
  return { auth, writable };
}

function authMode(access: HttpAccess): BullBoardMount['auth'] {
  const { token, basic } = access.schemes;
  return token && basic ? 'token+basic' : token ? 'token' : 'basic';
}

function crossOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}
