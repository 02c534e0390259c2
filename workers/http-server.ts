import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { ReadinessReport } from './runtime.ts';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly readiness: () => Promise<ReadinessReport>;
}

export interface HttpServer {
  /** Where other parts mount their routes (/metrics, /queues, /api/…) before listen(). */
  readonly app: FastifyInstance;
  /** Starts listening; resolves with the base URL (useful with port 0). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** The controller's HTTP server: health and readiness here, everything else mounted by its owner. */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Probes and scrapes hit the server every few seconds; per-request lines would drown the useful ones.
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await options.readiness();
    return reply.code(report.ready ? 200 : 503).send(report);
  });

  return {
    app,
    async listen() {
      const address = await app.listen({ host: options.host, port: options.port });
      return address;
    },
    async close() {
      await app.close();
    },
  };
}
