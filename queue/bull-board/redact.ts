/**
 * Job payloads carry only keys (`{ proxy: 'kong-0' }`, `{ reason: '…' }`), so nothing here should
 * ever fire. It is a second line of defence for the board, which shows job data and return values
 * to anyone with board access: a field whose name looks like a secret, or a PEM block anywhere, is
 * replaced before it leaves the process. Deliberately broad (substring match, so `apiKey`,
 * `tlsCert` and `configHash` are all hidden): a hidden harmless field costs little.
 */
const SECRET_NAME = /key|cert|passw|token|credential|config|secret/i;
const PEM = /-----BEGIN [A-Z ]+-----/;
export const REDACTED = '[redacted]';

export function redactSecrets(value: unknown, depth = 0): unknown {
  // Job data is JSON from Redis, so it has no cycles; the depth cap only bounds pathological nesting.
  if (depth > 32) return REDACTED;
  if (typeof value === 'string') return PEM.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    copy[name] = SECRET_NAME.test(name) ? REDACTED : redactSecrets(field, depth + 1);
  }
  return copy;
}
