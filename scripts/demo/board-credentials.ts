/**
 * Fresh Bull Board credentials for one demo run: a bearer token and a basic-auth user:password, each in
 * a file of mode 0600 (what a mounted Secret would be), handed to the controller by file name only.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

export interface BoardCredentials {
  readonly token: string;
  readonly user: string;
  readonly password: string;
  readonly tokenFile: string;
  readonly basicAuthFile: string;
}

/** Writes both files (refusing to overwrite: the demo folder is fresh) and returns what they hold. */
export async function writeBoardCredentials(files: {
  tokenFile: string;
  basicAuthFile: string;
}): Promise<BoardCredentials> {
  const token = randomBytes(24).toString('base64url');
  const user = 'demo';
  const password = randomBytes(12).toString('base64url');
  await writeFile(files.tokenFile, `${token}\n`, { mode: 0o600, flag: 'wx' });
  await writeFile(files.basicAuthFile, `${user}:${password}\n`, { mode: 0o600, flag: 'wx' });
  return { token, user, password, ...files };
}
