import type { Logger } from 'pino';
import { PolledFiles } from '../../lib/polled-files.ts';

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
 * changes (see lib/polled-files.ts). The material itself is never logged.
 */
export class ReloadingTlsCredentials {
  readonly #files: PolledFiles<'cert' | 'key' | 'ca', Omit<TlsMaterial, 'version'>>;

  constructor(files: TlsFiles, logger: Logger) {
    this.#files = new PolledFiles({
      files: { cert: files.certFile, key: files.keyFile, ca: files.caFile },
      parse: (contents) => contents,
      describe: 'admin TLS credentials',
      logger,
    });
  }

  get material(): TlsMaterial {
    return { ...this.#files.value, version: this.#files.version };
  }

  /** Reads the files; throws with the file name when one cannot be read (at start-up, that is fatal). */
  load(): Promise<boolean> {
    return this.#files.load();
  }

  /** Re-reads the files every `intervalMs` until `signal` aborts; a failed read keeps the old material. */
  watch(signal: AbortSignal, intervalMs = 5000): Promise<void> {
    return this.#files.watch(signal, intervalMs);
  }
}
