import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as wait } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  type BoardCredentials,
  CredentialFileError,
  parseBasicAuthFile,
  parseTokenFile,
} from './credentials.ts';

export interface BoardAuthFiles {
  /** File holding the bearer token (a mounted Secret key). */
  readonly tokenFile?: string;
  /** File holding `user:password` for HTTP basic auth (a mounted Secret key). */
  readonly basicAuthFile?: string;
}

/**
 * The board's credentials, read from files and re-read when their content changes. Kubernetes
 * swaps Secret volumes by symlink, which file watchers miss, so this polls and compares digests
 * (the same approach as kong/admin/tls-credentials.ts). A file that cannot be read or parsed on a
 * reload keeps the previous credentials; at start-up it is an error. Contents are never logged.
 */
export class CredentialFiles {
  readonly #files: BoardAuthFiles;
  readonly #logger: Logger;
  #credentials: BoardCredentials = {};
  #digest = '';
  /** Digest of content that failed to parse, so a broken file is reported once, not every poll. */
  #rejected = '';

  constructor(files: BoardAuthFiles, logger: Logger) {
    this.#files = files;
    this.#logger = logger;
  }

  /** True when at least one file is configured (otherwise the board must not be served). */
  get configured(): boolean {
    return Boolean(this.#files.tokenFile || this.#files.basicAuthFile);
  }

  get current(): BoardCredentials {
    return this.#credentials;
  }

  /** Reads and parses the files; throws CredentialFileError naming the file. True when something changed. */
  async load(): Promise<boolean> {
    const { tokenFile, basicAuthFile } = this.#files;
    const [tokenText, basicText] = await Promise.all([read(tokenFile), read(basicAuthFile)]);
    const digest = createHash('sha256')
      .update(tokenText ?? '\0none')
      .update('\0')
      .update(basicText ?? '\0none')
      .digest('hex');
    if (digest === this.#digest || digest === this.#rejected) return false;
    try {
      this.#credentials = {
        token: tokenFile && tokenText !== undefined ? parseTokenFile(tokenFile, tokenText) : undefined,
        basic:
          basicAuthFile && basicText !== undefined ? parseBasicAuthFile(basicAuthFile, basicText) : undefined,
      };
    } catch (err) {
      this.#rejected = digest;
      throw err;
    }
    this.#digest = digest;
    return true;
  }

  /** Re-reads the files every `intervalMs` until `signal` aborts. */
  async watch(signal: AbortSignal, intervalMs: number): Promise<void> {
    while (!signal.aborted) {
      // Not ref'd: a pending reload must not keep a stopping process alive.
      await wait(intervalMs, undefined, { signal, ref: false }).catch(() => {});
      if (signal.aborted) break;
      try {
        if (await this.load()) this.#logger.info('board credentials reloaded');
      } catch (err) {
        this.#logger.warn(
          { err: { message: (err as Error).message } },
          'could not reload the board credentials; keeping the previous ones',
        );
      }
    }
  }
}

async function read(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CredentialFileError(
      file,
      `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}
