import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may open the board, as digests only: the secrets themselves are dropped once hashed, and
 * comparing fixed-length SHA-256 digests with `timingSafeEqual` takes the same time whatever the
 * length or content of what a client sent.
 */
export interface BoardCredentials {
  /** SHA-256 of the bearer token. */
  readonly token?: Buffer;
  /** SHA-256 of `user:password`. */
  readonly basic?: Buffer;
}

export type AuthDecision = 'granted' | 'missing' | 'denied';

/** Thrown for a credential file whose content cannot be used; names the file, never the content. */
export class CredentialFileError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'CredentialFileError';
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * A token file holds the token alone. Surrounding whitespace is dropped: Secrets made with
 * `echo` or `kubectl create secret --from-file` often end with a newline nobody means to send.
 */
export function parseTokenFile(file: string, text: string): Buffer {
  const token = text.trim();
  if (token === '') throw new CredentialFileError(file, 'the board token file is empty');
  if (/\s/.test(token)) throw new CredentialFileError(file, 'the board token must be one word (no spaces)');
  return digest(token);
}

/** A basic-auth file holds `user:password` on one line (the user may not contain ":", RFC 7617). */
export function parseBasicAuthFile(file: string, text: string): Buffer {
  const line = text.trim();
  const colon = line.indexOf(':');
  if (line.includes('\n') || colon <= 0 || colon === line.length - 1) {
    throw new CredentialFileError(file, 'the board basic-auth file must hold user:password on one line');
  }
  return digest(line);
}

/** Checks an `Authorization` header against the configured credentials. */
export function checkAuthorization(header: string | undefined, credentials: BoardCredentials): AuthDecision {
  if (!header) return 'missing';
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (space <= 0 || value === '') return 'denied';
  if (scheme === 'bearer' && credentials.token) {
    return timingSafeEqual(digest(value), credentials.token) ? 'granted' : 'denied';
  }
  if (scheme === 'basic' && credentials.basic) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return timingSafeEqual(digest(decoded), credentials.basic) ? 'granted' : 'denied';
  }
  return 'denied';
}

/**
 * The `WWW-Authenticate` challenges of a 401. The Basic one makes a browser prompt for a user and
 * password; the Bearer one tells API clients what to send.
 */
export function challenges(credentials: BoardCredentials, realm: string): string[] {
  const list: string[] = [];
  if (credentials.basic) list.push(`Basic realm="${realm}"`);
  if (credentials.token) list.push(`Bearer realm="${realm}"`);
  return list;
}
