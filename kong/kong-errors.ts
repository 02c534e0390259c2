import type { FlattenedError } from '@kong-fleet/kong-dbless';
import { wholeTokenPattern } from './redact-secrets.ts';

/**
 * The one describer of Kong's configuration errors, for Events, `lastError` and logs alike. Kong's
 * messages may quote the offending value ("invalid value: …", "set to 's3cr3t' already declared"), and
 * an entity can hold keys, passwords or plugin secrets: values are blanked out, field names never are.
 */

const REDACTED = '<redacted>';
/** A description longer than this is cut (Events and ProxyInstance status stay small). */
export const MAX_DESCRIPTION = 500;
/** Entity errors spelled out in a summary; the rest are counted. */
const SUMMARIZED_ENTITIES = 3;

/**
 * Blanks every string value of `entity` (except its name, id and tags, which identify it) out of
 * `message`. A value is only replaced where it stands as a whole token: `cookie` is a value in
 * `hash_on: cookie` but part of the field name `hash_on_cookie_path`.
 */
export function redactValues(message: string, entity: Readonly<Record<string, unknown>>): string {
  const values = new Set<string>();
  const collect = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      if (value.length >= 3 && key !== 'name' && key !== 'id') values.add(value);
    } else if (Array.isArray(value)) {
      if (key !== 'tags') for (const v of value) collect(v, key);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) collect(v, k);
    }
  };
  collect(entity, '');
  // One pass, longest value first, so a replacement is never matched again by a shorter value.
  const pattern = wholeTokenPattern([...values]);
  return pattern ? message.replace(pattern, REDACTED) : message;
}

/** For messages with no entity to compare against: every quoted part ('…' or "…") is a value. */
export function redactQuoted(message: string): string {
  return message.replace(/'[^']*'|"[^"]*"/g, `'${REDACTED}'`);
}

/** `route echo: paths.1: invalid path: '<redacted>' (…), …`. */
export function describeEntityError(entity: FlattenedError): string {
  const what = `${entity.entity_type}${entity.entity_name ? ` ${entity.entity_name}` : ''}`;
  const messages = entity.errors
    .map((e) => {
      const message = redactValues(e.message, entity.entity);
      return e.field ? `${e.field}: ${message}` : message;
    })
    .join(', ');
  return `${what}: ${messages}`;
}

/** The first few entity errors, and how many more there are. */
export function summarizeEntityErrors(flattened: readonly FlattenedError[]): string {
  const shown = flattened.slice(0, SUMMARIZED_ENTITIES).map(describeEntityError).join('; ');
  const more = flattened.length - SUMMARIZED_ENTITIES;
  return more > 0 ? `${shown} (+${more} more)` : shown;
}

/**
 * Kong's errors left in `fields` after flattening: not about one tagged entity (an unknown top-level
 * key, a bad `_format_version`, a parse failure, and the uniqueness violations Kong keys by name,
 * which quote the duplicated value). Each message under its path; quoted parts redacted. Directly under a
 * collection Kong keys errors by entity: an index, an id, or the entity's endpoint key (a key-auth `key`, a
 * basic-auth `username`), which is a value like any other and shown redacted; field names below stay.
 */
export function describeTopLevelErrors(fields: Readonly<Record<string, unknown>>): string {
  const out: string[] = [];
  const walk = (value: unknown, path: readonly string[]) => {
    const shown = path
      .map((key, depth) => (depth === 1 && !ENTITY_INDEX.test(key) ? REDACTED : key))
      .join('.');
    if (typeof value === 'string') out.push(`${shown}: ${redactQuoted(value)}`);
    else if (Array.isArray(value)) for (const item of value) walk(item, path);
    else if (value !== null && typeof value === 'object')
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
  };
  walk(fields, []);
  return out.join(', ');
}

/** An entity's position or id: not secret. */
const ENTITY_INDEX = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** Cuts a description to `max` characters. */
export function trimDescription(text: string, max = MAX_DESCRIPTION): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
