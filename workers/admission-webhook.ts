import { createSecureContext } from 'node:tls';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import type { Logger } from 'pino';
import { admissionResponse, parseAdmissionReview } from '../k8s/admission-review.ts';
import type { AdmissionVerdict } from '../kong/admission-verdict.ts';
import { PolledFiles } from '../lib/polled-files.ts';

export interface AdmissionWebhookOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Certificate (PEM, with its chain) the apiserver verifies against the registration's caBundle. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Judges one object; a throw admits it (the build will report it), never blocks the apply. */
  readonly judge: (object: unknown) => Promise<AdmissionVerdict>;
  readonly logger: Logger;
  /** How often the certificate files are re-read. @defaultValue 5000 */
  readonly reloadIntervalMs?: number;
}

export interface AdmissionWebhook {
  /** `https://host:port`; the review path is `/validate`. */
  readonly url: string;
  close(): Promise<void>;
}

interface TlsPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Admission reviews carry whole objects; a Secret alone may be 1 MiB before base64. */
const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * The validating admission webhook: its own HTTPS listener (the apiserver only calls webhooks over
 * TLS), `POST /validate` answering AdmissionReviews with `judge`'s verdict. The certificate and key
 * are re-read when their files change (cert-manager renewals) and handed to the running server.
 */
export async function startAdmissionWebhook(options: AdmissionWebhookOptions): Promise<AdmissionWebhook> {
  const logger = options.logger.child({ component: 'admission-webhook' });
  let apply: (pair: TlsPair) => void = () => {};
  const files = new PolledFiles<'cert' | 'key', TlsPair>({
    files: { cert: options.certFile, key: options.keyFile },
    parse: ({ cert, key }) => {
      if (!cert || !key) throw new Error(`${options.certFile}: certificate or key missing`);
      try {
        // Refuses a key that does not match the certificate before the server ever uses it.
        createSecureContext({ cert, key });
      } catch (err) {
        throw new Error(`${options.certFile}: unusable certificate/key pair (${(err as Error).message})`);
      }
      // A parsed pair is the accepted one (PolledFiles keeps it): hand it to the running server.
      apply({ cert, key });
      return { cert, key };
    },
    describe: 'admission webhook certificate',
    logger,
  });
  await files.load();
  const initial = files.value!;

  const app = Fastify({
    https: { cert: initial.cert, key: initial.key },
    bodyLimit: BODY_LIMIT_BYTES,
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  apply = (pair) => app.server.setSecureContext({ cert: pair.cert, key: pair.key });

  app.post('/validate', async (request, reply) => {
    const review = parseAdmissionReview(request.body);
    if (!review) return reply.code(400).send({ message: 'expected an admission.k8s.io/v1 AdmissionReview' });
    if (review.object === undefined) return admissionResponse(review.uid, { allowed: true });
    try {
      const verdict = await options.judge(review.object);
      if (!verdict.allowed) logger.info({ object: describe(review.object) }, 'admission refused');
      return admissionResponse(review.uid, verdict);
    } catch (err) {
      logger.error({ err, object: describe(review.object) }, 'admission check failed; admitting');
      return admissionResponse(review.uid, { allowed: true });
    }
  });

  const stop = new AbortController();
  const reloading = files.watch(stop.signal, options.reloadIntervalMs ?? 5000);
  const url = await app.listen({ host: options.host, port: options.port });
  logger.info({ url }, 'admission webhook listening');
  return {
    url,
    async close() {
      stop.abort();
      await Promise.all([reloading, app.close()]);
    },
  };
}

/** Kind/namespace/name only: the object itself may be a Secret. */
function describe(object: unknown): string {
  const o = (object ?? {}) as { kind?: unknown; metadata?: { namespace?: unknown; name?: unknown } };
  return [o.kind, o.metadata?.namespace, o.metadata?.name]
    .filter((part) => typeof part === 'string')
    .join('/');
}
