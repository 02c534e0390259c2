import type { Logger } from 'pino';
import { PolledFiles } from '../../lib/polled-files.ts';
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
 * The board's credentials, read from files and re-read when their content changes (see
 * lib/polled-files.ts). A file that cannot be read or parsed on a reload keeps the previous
 * credentials; at start-up it is an error. Contents are never logged.
 */
export class CredentialFiles {
  readonly #configured: boolean;
  readonly #files: PolledFiles<'token' | 'basic', BoardCredentials>;

  constructor(files: BoardAuthFiles, logger: Logger) {
    const { tokenFile, basicAuthFile } = files;
    this.#configured = Boolean(tokenFile || basicAuthFile);
    this.#files = new PolledFiles({
      files: { token: tokenFile, basic: basicAuthFile },
      parse: ({ token, basic }) => ({
        token: tokenFile && token ? parseTokenFile(tokenFile, token.toString('utf8')) : undefined,
        basic: basicAuthFile && basic ? parseBasicAuthFile(basicAuthFile, basic.toString('utf8')) : undefined,
      }),
      describe: 'board credentials',
      logger,
    });
  }

  /** True when at least one file is configured (otherwise the board must not be served). */
  get configured(): boolean {
    return this.#configured;
  }

  get current(): BoardCredentials {
    return this.#files.value ?? {};
  }

  /** Reads and parses the files; throws naming the file. True when something changed. */
  async load(): Promise<boolean> {
    try {
      return await this.#files.load();
    } catch (err) {
      if (err instanceof CredentialFileError) throw err;
      const [file, ...problem] = (err as Error).message.split(': ');
      throw new CredentialFileError(file ?? '', problem.join(': '));
    }
  }

  /** Re-reads the files every `intervalMs` until `signal` aborts. */
  watch(signal: AbortSignal, intervalMs: number): Promise<void> {
    return this.#files.watch(signal, intervalMs);
  }
}
