import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';

export interface TlsFiles {
  /** Client certificate (PEM) presented to the Admin API. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** CA bundle that signs the proxies' Admin API certificates. */
  readonly caFile?: string;
}

export interface TlsMaterial {
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly ca?: Buffer;
  /** Bumped whenever any file's content changed. */
  readonly version: number;
}

/**
 * The Admin API client certificate, key and CA, read from files and re-read when their content
 * changes (Kubernetes swaps Secret volumes by symlink, which file watchers miss, so this polls
 * and compares digests). The material itself is never logged.
 */
export class ReloadingTlsCredentials {
  readonly #files: TlsFiles;
  readonly #logger: Logger;
  #material: TlsMaterial = { version: 0 };
  #digest = '';

  constructor(files: TlsFiles, logger: Logger) {
    this.#files = files;
    this.#logger = logger;
  }

  get material(): TlsMaterial {
    return this.#material;
  }

  /** Reads the files; throws with the file name when one cannot be read (at start-up, that is fatal). */
  async load(): Promise<boolean> {
    const [cert, key, ca] = await Promise.all(
      [this.#files.certFile, this.#files.keyFile, this.#files.caFile].map(async (file) => {
        if (!file) return undefined;
        try {
          return await readFile(file);
        } catch (err) {
          throw new Error(
            `cannot read TLS file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          );
        }
      }),
    );
    const digest = createHash('sha256')
      .update(cert ?? '')
      .update('\0')
      .update(key ?? '')
      .update('\0')
      .update(ca ?? '')
      .digest('hex');
    if (digest === this.#digest) return false;
    this.#digest = digest;
    this.#material = { cert, key, ca, version: this.#material.version + 1 };
    return true;
  }

  /** Re-reads the files every `intervalMs` until `signal` aborts; a failed read keeps the old material. */
  async watch(signal: AbortSignal, intervalMs = 5000): Promise<void> {
    const { setTimeout: wait } = await import('node:timers/promises');
    while (!signal.aborted) {
      await wait(intervalMs, undefined, { signal }).catch(() => {});
      if (signal.aborted) break;
      try {
        if (await this.load())
          this.#logger.info({ version: this.#material.version }, 'admin TLS credentials reloaded');
      } catch (err) {
        this.#logger.warn({ err }, 'could not reload admin TLS credentials; keeping the previous ones');
      }
    }
  }
}
