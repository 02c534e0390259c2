/** Single-quotes `text` for a POSIX shell when it holds anything beyond plain path characters. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
