import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as wait } from 'node:timers/promises';
import type { Logger } from 'pino';

export type FileContents<K extends string> = Readonly<Record<K, Buffer | undefined>>;

export interface PolledFilesOptions<K extends string, T> {
  /** Named files; an undefined path is simply absent. */
  readonly files: Readonly<Record<K, string | undefined>>;
  /** Turns the contents into the value; throw (naming the file, never its content) to refuse them. */
  readonly parse: (contents: FileContents<K>) => T;
  /** For log lines, e.g. 'admin TLS credentials'. */
  readonly describe: string;
  readonly logger: Logger;
}

/**
 * A value read from a few files (mounted Secrets) and read again when their content changes.
 * Kubernetes swaps Secret volumes by symlink, which file watchers miss, so this polls and compares
 * digests. Content that cannot be read or parsed on a reload keeps the previous value (and is
 * reported once); at start-up `load()` throws. Contents are never logged.
 */
export class PolledFiles<K extends string, T> {
  readonly #options: PolledFilesOptions<K, T>;
  #value: T | undefined;
  #version = 0;
  #digest = '';
  #rejected = '';

  constructor(options: PolledFilesOptions<K, T>) {
    this.#options = options;
  }

  get value(): T | undefined {
    return this.#value;
  }

  /** Bumped on every accepted change. */
  get version(): number {
    return this.#version;
  }

  /** Reads and parses the files; true when the value changed. Throws when a file cannot be read or parsed. */
  async load(): Promise<boolean> {
    const names = Object.keys(this.#options.files) as K[];
    const contents = Object.fromEntries(
      await Promise.all(names.map(async (name) => [name, await read(this.#options.files[name])] as const)),
    ) as Record<K, Buffer | undefined>;
    const hash = createHash('sha256');
    for (const name of names) hash.update(contents[name] ?? '\0none').update('\0');
    const digest = hash.digest('hex');
    if (digest === this.#digest || digest === this.#rejected) return false;
    try {
      this.#value = this.#options.parse(contents);
    } catch (err) {
      this.#rejected = digest;
      throw err;
    }
    this.#digest = digest;
    this.#version++;
    return true;
  }

  /** Re-reads the files every `intervalMs` until `signal` aborts; `onChange` after each accepted change. */
  async watch(signal: AbortSignal, intervalMs: number, onChange?: () => void): Promise<void> {
    const { logger, describe } = this.#options;
    while (!signal.aborted) {
      // Not ref'd: a pending reload must not keep a stopping process alive.
      await wait(intervalMs, undefined, { signal, ref: false }).catch(() => {});
      if (signal.aborted) break;
      try {
        if (await this.load()) {
          logger.info({ version: this.#version }, `${describe} reloaded`);
          onChange?.();
        }
      } catch (err) {
        logger.warn(
          { err: { message: (err as Error).message } },
          `could not reload the ${describe}; keeping the previous ones`,
        );
      }
    }
  }
}

async function read(file: string | undefined): Promise<Buffer | undefined> {
  if (!file) return undefined;
  try {
    return await readFile(file);
  } catch (err) {
    throw new Error(
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}
