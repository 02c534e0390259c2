/**
 * `POST /config` request decoding (kong/api/api_helpers.lua + kong/api/routes/config.lua): content-type
 * filter, parameter merging, the three body forms and the text parse (JSON first, then YAML 1.1).
 */
import { parse as parseYaml } from 'yaml';
import { configHash } from '../config-hash.ts';
import { parseMultipart } from './multipart.ts';

export type BodyForm = 'object' | 'config-field' | 'raw';

export type ConfigRequest =
  | {
      kind: 'config';
      form: BodyForm;
      config: unknown;
      hash?: string;
      checkHash: boolean;
      flattenErrors: boolean;
    }
  | { kind: 'parse-error'; message: string; checkHash: boolean; hash?: string }
  | { kind: 'response'; status: number; body?: unknown; text?: string };

const ACCEPTED = ['application/json', 'multipart/form-data', 'application/x-www-form-urlencoded'];
const YAML_TYPES = ['application/yaml', 'text/yaml'];

/** Kong's `flatten_errors` truthiness. */
function truthy(value: unknown): boolean {
  if (value === true || value === 1) return true;
  return typeof value === 'string' && ['true', '1', 'on', 'yes'].includes(value.toLowerCase());
}

/** The §1.1 filter; returns a response when the request is refused before any handler. */
export function contentTypeFilter(contentTypes: readonly string[], bodyLength: number, yamlAllowed: boolean) {
  if (contentTypes.length === 0) return bodyLength === 0 ? undefined : { status: 415 };
  if (contentTypes.length > 1) return { status: 400, text: 'Multiple Content-Type headers not allowed' };
  const type = contentTypes[0]!;
  if (ACCEPTED.some((p) => type.startsWith(p))) return undefined;
  if (yamlAllowed && YAML_TYPES.some((p) => type.startsWith(p))) return undefined;
  return { status: 415 };
}

/**
 * Decodes a `/config` POST into a config source, or the response Kong gives before validation. With
 * `parseText: false` a text config (the `config` field or a raw body) is only hashed, not parsed: `config` is
 * then undefined (the hash-only simulator, which never reads it).
 */
export function decodeConfigRequest(
  contentType: string | undefined,
  query: URLSearchParams,
  body: Buffer,
  options: { readonly parseText?: boolean } = {},
): ConfigRequest {
  const params: Record<string, unknown> = {};
  for (const [k, v] of query) params[k] = v;
  let bodyParams: Record<string, unknown> = {};
  if (contentType?.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(body.toString('utf8'));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) bodyParams = parsed;
    } catch {
      return { kind: 'response', status: 400, body: { message: 'Cannot parse JSON body' } };
    }
  } else if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) bodyParams[k] = v;
  } else if (contentType?.startsWith('multipart/form-data')) {
    bodyParams = parseMultipart(contentType, body);
  }
  Object.assign(params, bodyParams);
  const checkHash = params.check_hash === '1' || params.check_hash === 1;
  const flattenErrors = truthy(params.flatten_errors);
  delete params.check_hash;
  delete params.flatten_errors;

  if (params._format_version !== undefined)
    return { kind: 'config', form: 'object', config: params, checkHash, flattenErrors };
  let text: string | undefined;
  let form: BodyForm = 'raw';
  if (params.config !== undefined && params.config !== null) {
    form = 'config-field';
    text = typeof params.config === 'string' ? params.config : JSON.stringify(params.config);
  } else if (body.length > 0) text = body.toString('utf8');
  if (text === undefined)
    return { kind: 'response', status: 400, body: { message: 'expected a declarative configuration' } };
  const hash = form === 'raw' ? configHash(body) : configHash(text);
  if (options.parseText === false)
    return { kind: 'config', form, config: undefined, hash, checkHash, flattenErrors };
  const parsed = parseConfigText(text);
  if ('error' in parsed) return { kind: 'parse-error', message: parsed.error, checkHash, hash };
  return { kind: 'config', form, config: parsed.value, hash, checkHash, flattenErrors };
}

/** JSON first, then YAML 1.1 (lyaml's implicit typing: `3.0` is a number, `yes` a boolean). */
export function parseConfigText(text: string): { value: unknown } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      value = parseYaml(text, { version: '1.1' });
    } catch (err) {
      return { error: (err as Error).message.split('\n')[0]! };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { error: 'expected an object' };
  return { value };
}
