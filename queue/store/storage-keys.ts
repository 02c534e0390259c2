import type { Logger } from 'pino';
import { PolledFiles } from '../../lib/polled-files.ts';
import { type KeyRing, parseKeyRing, SealedValues } from './sealed-values.ts';

/**
 * The key ring of encryption at rest, from a mounted file (a Secret key) re-read when it changes:
 * rotation is editing the file, no restart. Without a file nothing is sealed (see README).
 */
export class StorageKeys {
  readonly #files: PolledFiles<'keys', KeyRing> | undefined;
  readonly sealed: SealedValues;

  constructor(file: string | undefined, logger: Logger) {
    this.#files = file
      ? new PolledFiles({
          files: { keys: file },
          parse: ({ keys }) => {
            try {
              return parseKeyRing(keys?.toString('utf8') ?? '');
            } catch (err) {
              throw new Error(`${file}: ${(err as Error).message}`);
            }
          },
          describe: 'storage encryption keys',
          logger,
        })
      : undefined;
    const files = this.#files;
    this.sealed = files ? new SealedValues(() => files.value) : SealedValues.plaintext;
  }

  get configured(): boolean {
    return this.#files !== undefined;
  }

  /** Bumped on every accepted change of the key file. */
  get version(): number {
    return this.#files?.version ?? 0;
  }

  /** Reads the key file; throws naming the file (never a key) when it cannot be used. */
  async load(): Promise<boolean> {
    return (await this.#files?.load()) ?? false;
  }

  /** Re-reads the key file every `intervalMs`; `onChange` after each accepted change. */
  async watch(signal: AbortSignal, intervalMs: number, onChange?: () => void): Promise<void> {
    await this.#files?.watch(signal, intervalMs, onChange);
  }
}
