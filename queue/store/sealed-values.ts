import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for what the stores keep in Redis that holds secrets or config (Secret objects,
 * build texts): AES-256-GCM, the key id in every ciphertext, so a key ring can hold the key that
 * writes and older ones that still read. A key file rotated in place (new key first, old ones after)
 * keeps every stored value readable while new writes use the new key; once everything was rewritten
 * (a re-list, the next builds) the old key can be dropped from the file.
 *
 * Stored form: `kfs1:<key id>:<base64url nonce|tag|ciphertext>`. Text without the `kfs1:` prefix is
 * plaintext from before encryption was turned on and is read as is.
 */

const PREFIX = 'kfs1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export interface SealingKey {
  /** Short name stored in each ciphertext (letters, digits, `.`, `_`, `-`). */
  readonly id: string;
  readonly key: Buffer;
}

/** The key that writes (first) and every key that reads. */
export interface KeyRing {
  readonly current: SealingKey;
  readonly byId: ReadonlyMap<string, Buffer>;
}

/** Thrown when a stored value cannot be opened: unknown key id, or tampered/corrupt ciphertext. */
export class SealedValueError extends Error {
  override readonly name = 'SealedValueError';
}

/**
 * A key file: one key a line, `<id>:<base64 of 32 random bytes>` (e.g. from
 * `echo "k2:$(head -c32 /dev/urandom | base64)"`), `#` comments and blank lines ignored. The first key
 * writes; all read. Messages name line numbers and ids, never key bytes.
 */
export function parseKeyRing(text: string): KeyRing {
  const keys: SealingKey[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z0-9._-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(line);
    if (!match) throw new Error(`line ${index + 1}: expected <id>:<base64 key>`);
    const key = Buffer.from(match[2]!, 'base64');
    if (key.length !== KEY_BYTES)
      throw new Error(`line ${index + 1} (key ${match[1]}): expected ${KEY_BYTES} bytes, got ${key.length}`);
    if (keys.some((k) => k.id === match[1])) throw new Error(`line ${index + 1}: key id ${match[1]} repeats`);
    keys.push({ id: match[1]!, key });
  }
  if (keys.length === 0) throw new Error('no key in the file');
  return { current: keys[0]!, byId: new Map(keys.map((k) => [k.id, k.key])) };
}

export interface SealOptions {
  /**
   * Same plaintext and key → same ciphertext (the nonce is an HMAC of the plaintext, a synthetic
   * IV): lets a store skip writes of unchanged objects by comparing stored text. A nonce repeats only
   * with its identical plaintext, which GCM tolerates; it reveals only that two values are equal.
   */
  readonly deterministic?: boolean;
}

/** Seals and opens stored values with the current key ring (read at each call: rotation is live). */
export class SealedValues {
  /** No key configured: values are stored as they are (see README, "Encryption at rest"). */
  static readonly plaintext = new SealedValues(() => undefined);

  readonly #ring: () => KeyRing | undefined;

  constructor(ring: () => KeyRing | undefined) {
    this.#ring = ring;
  }

  get enabled(): boolean {
    return this.#ring() !== undefined;
  }

  /** The id of the key new writes use, if any. */
  get currentKeyId(): string | undefined {
    return this.#ring()?.current.id;
  }

  seal(plaintext: string, options: SealOptions = {}): string {
    const ring = this.#ring();
    if (!ring) return plaintext;
    const { id, key } = ring.current;
    const data = Buffer.from(plaintext, 'utf8');
    const nonce = options.deterministic
      ? createHmac('sha256', key).update(data).digest().subarray(0, NONCE_BYTES)
      : randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    // The key id is authenticated too: a ciphertext moved under another id does not open.
    cipher.setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(data), cipher.final()]);
    return `${PREFIX}${id}:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const colon = stored.indexOf(':', PREFIX.length);
    const id = stored.slice(PREFIX.length, colon);
    const key = this.#ring()?.byId.get(id);
    if (!key)
      throw new SealedValueError(`stored value sealed with key "${id}", which is not in the key ring`);
    const raw = Buffer.from(stored.slice(colon + 1), 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(raw.subarray(NONCE_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SealedValueError(`stored value sealed with key "${id}" does not authenticate`);
    }
  }

  /** The key id a stored value was sealed with; undefined for plaintext. */
  static keyIdOf(stored: string): string | undefined {
    if (!stored.startsWith(PREFIX)) return undefined;
    return stored.slice(PREFIX.length, stored.indexOf(':', PREFIX.length));
  }
}
