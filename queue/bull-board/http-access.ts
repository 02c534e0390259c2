import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type BoardAuthFiles, CredentialFiles } from './credential-files.ts';
import { type BoardCredentials, challenges, checkAuthorization } from './credentials.ts';

/**
 * Who may do what over HTTP. `viewer` reads (the API, /debug, the board, optionally /metrics);
 * `operator` may also change things (board writes). Operator credentials grant viewer too, so one
 * operator token opens everything; viewer credentials never open a write.
 */
export type HttpRole = 'viewer' | 'operator';

export interface HttpAccessFiles {
  /** Read-only credentials (the board token / basic-auth files). */
  readonly viewer: BoardAuthFiles;
  /** Credentials that may also change things. */
  readonly operator?: BoardAuthFiles;
}

/** The realm of the challenges, shown by browsers in their prompt. */
export const HTTP_REALM = 'kong-fleet';

/** The credential files of both roles, read at start and re-read when they change (no restart). */
export class HttpAccess {
  readonly #viewer: CredentialFiles;
  readonly #operator: CredentialFiles;
  readonly #logger: Logger;

  constructor(files: HttpAccessFiles, logger: Logger) {
    this.#logger = logger.child({ component: 'http-access' });
    this.#viewer = new CredentialFiles(files.viewer, this.#logger);
    this.#operator = new CredentialFiles(files.operator ?? {}, this.#logger);
  }

  /** False when no credential file is configured: guarded endpoints then answer 503, never open. */
  get configured(): boolean {
    return this.#viewer.configured || this.#operator.configured;
  }

  get operatorConfigured(): boolean {
    return this.#operator.configured;
  }

  /** Which schemes some role accepts now (for the challenges and the board's mount report). */
  get schemes(): BoardCredentials {
    const viewer = this.#viewer.current;
    const operator = this.#operator.current;
    return { basic: viewer.basic ?? operator.basic, token: viewer.token ?? operator.token };
  }

  /**
   * Reads the files (rejects naming the file when one is unusable) and keeps re-reading them every
   * `reloadIntervalMs` until `app` closes.
   */
  async start(app: FastifyInstance, reloadIntervalMs = 5000): Promise<void> {
    await Promise.all([this.#viewer.load(), this.#operator.load()]);
    const stop = new AbortController();
    const watching = Promise.all([
      this.#viewer.watch(stop.signal, reloadIntervalMs),
      this.#operator.watch(stop.signal, reloadIntervalMs),
    ]);
    app.addHook('onClose', async () => {
      stop.abort();
      await watching;
    });
  }

  /** The role an `Authorization` header grants, or why it grants none. */
  roleOf(header: string | undefined): HttpRole | 'missing' | 'denied' {
    const asOperator = checkAuthorization(header, this.#operator.current);
    if (asOperator === 'granted') return 'operator';
    const asViewer = checkAuthorization(header, this.#viewer.current);
    if (asViewer === 'granted') return 'viewer';
    return asOperator === 'missing' ? 'missing' : 'denied';
  }

  /**
   * Answers the request when it may not go on: 503 when nothing is configured, 401 with the
   * challenges when it carries no valid credentials. Returns the granted role otherwise.
   */
  authenticate(request: FastifyRequest, reply: FastifyReply): HttpRole | undefined {
    if (!this.configured) {
      reply.code(503).send({
        error: 'auth-not-configured',
        message:
          'this endpoint requires authentication and none is configured: set KONG_FLEET_BOARD_TOKEN_FILE ' +
          '(--board-token-file) and/or KONG_FLEET_BOARD_BASIC_AUTH_FILE (--board-basic-auth-file)',
      });
      return undefined;
    }
    const role = this.roleOf(request.headers.authorization);
    if (role === 'viewer' || role === 'operator') return role;
    // A browser's first request carries nothing before it prompts: only wrong credentials are news.
    if (role === 'denied') this.#logger.warn({ ip: request.ip, path: pathOf(request) }, 'wrong credentials');
    reply
      .code(401)
      .header('www-authenticate', challenges(this.schemes, HTTP_REALM))
      .header('cache-control', 'no-store')
      .send({ error: 'unauthorized', message: 'send a bearer token or basic-auth credentials' });
    return undefined;
  }

  /** An `onRequest` hook admitting any authenticated role (reads). */
  readonly requireViewer = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    return this.authenticate(request, reply) ? undefined : reply;
  };

  /** An `onRequest` hook admitting the operator role only (actions: rollout promote/abort, rollback). */
  readonly requireOperator = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    const role = this.authenticate(request, reply);
    if (!role) return reply;
    if (role === 'operator') return undefined;
    return reply.code(403).send({
      error: 'forbidden',
      message: 'this action needs the operator role (KONG_FLEET_OPERATOR_TOKEN_FILE)',
    });
  };
}

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
}
