/** What replaces a secret value wherever a config is shown (debug endpoint, diffs). */
export const REDACTED = '[redacted]';

/** Field names that hold secrets in Kong entities and plugin configs (keys, passwords, tokens, private keys). */
const SECRET_FIELD =
  /^(key|key_alt|password|secret|client_secret|private_key|api_key|token|.+_password|.+_secret|.+_token|.+_private_key)$/i;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * A copy of a Kong declarative config safe to show: private keys, credential keys and passwords,
 * plugin secrets replaced by `[redacted]`. Public certificates and everything else are kept. Pure.
 */
export function redactConfig(value: unknown, field?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => redactConfig(item, field));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactConfig(inner, key)]));
  }
  if (
    typeof value === 'string' &&
    ((field !== undefined && SECRET_FIELD.test(field)) || PRIVATE_KEY_PEM.test(value))
  ) {
    return REDACTED;
  }
  return value;
}
