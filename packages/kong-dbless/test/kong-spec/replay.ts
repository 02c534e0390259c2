/**
 * Reads the kong-spec oracle cases in place and sends one case's request to a simulator exactly as the
 * spec's client would (README of the suite: body encodings, 429 = retry).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RouterFlavor } from '../../src/validate/index.ts';
import type { Check } from './checks.ts';

export interface SpecCase {
  id: string;
  file: string;
  line: number;
  test: string;
  source: string;
  flavor: RouterFlavor;
  request: { method: string; path: string; headers?: Record<string, string>; body?: unknown };
  checks: Check[];
  env?: unknown;
  exclude?: unknown;
  note?: string;
}

/**
 * Assertions the case extraction kept only half of. 06-routes_spec.lua:1040 asserts
 * `matches("must not be an IP")` inside a pcall and falls back to `matches("must not have a port")`
 * (line 1042) for the `example.org:80` SNI; the case keeps the first pattern only. Restored here, with the
 * spec's own fallback, as an alternative of that check (spec line → alternatives).
 */
const LOST_ALTERNATIVES: Record<string, { specLine: number; alternatives: Check[] }> = Object.fromEntries(
  ['06-routes_spec.lua:1037#418', '06-routes_spec.lua:1037#727', '06-routes_spec.lua:1037#1036'].map((id) => [
    id,
    {
      specLine: 1040,
      alternatives: [
        {
          on: 'json',
          path: ['fields', 'routes', 1, 'snis', 1],
          op: 'matches',
          value: 'must not have a port',
          plain: true,
        },
      ],
    },
  ]),
);

function restoreAlternatives(c: SpecCase): SpecCase {
  const lost = LOST_ALTERNATIVES[c.id];
  if (!lost) return c;
  const checks = c.checks.map((k) =>
    (k as { spec_line?: number }).spec_line === lost.specLine ? { ...k, alternatives: lost.alternatives } : k,
  );
  if (!checks.some((k) => k.alternatives)) throw new Error(`${c.id}: no check at spec line ${lost.specLine}`);
  return { ...c, checks };
}

/** Every case, file by file in the suite's order (the order matters: 15-off_spec builds on earlier state). */
export function readCases(dir: string): SpecCase[] {
  const casesDir = join(dir, 'cases');
  return readdirSync(casesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(readFileSync(join(casesDir, f), 'utf8')) as SpecCase[])
    .map(restoreAlternatives);
}

/**
 * Queries the case extraction lost: the spec calls `client:get("/routes", { query = { offset = "x" } })`
 * (15-off_spec.lua:134 and the `|potato|` follow-up) and the case keeps only the path. Restored here,
 * with the spec's own values, so the request is the one Kong answered.
 */
const LOST_QUERIES: Record<string, string> = {
  '15-off_spec.lua:134#5': 'offset=x',
  '15-off_spec.lua:142#6': 'offset=%7Cpotato%7C',
};

/**
 * Edits the spec makes to an answer before asserting on it, lost by the extraction: 15-off_spec.lua:146
 * sets `json.message = nil` (the `|potato|` offset message is not part of the assertion).
 */
const LOST_BODY_EDITS: Record<string, (body: Record<string, unknown>) => void> = {
  '15-off_spec.lua:142#6': (body) => {
    delete body.message;
  },
};

/** `a.b` for nested keys and `a[1]` for 1-based list items, as Kong's spec helpers encode forms. */
function formFields(value: unknown, prefix: string, out: URLSearchParams): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) formFields(v, `${prefix}[${i + 1}]`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) formFields(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.append(prefix, String(value));
}

function encodeBody(contentType: string | undefined, body: unknown): string | FormData | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams();
    formFields(body, '', form);
    return form.toString();
  }
  if (contentType?.startsWith('multipart/form-data')) {
    const form = new FormData();
    for (const [k, v] of Object.entries(body as Record<string, unknown>))
      form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
    return form;
  }
  return JSON.stringify(body);
}

export interface Answer {
  status: number;
  body: unknown;
}

/** Sends the case's request; 429 is retried (as the specs do) until a deadline generous for a busy machine. */
export async function replay(baseUrl: string, c: SpecCase): Promise<Answer> {
  const headers = { ...(c.request.headers ?? {}) };
  const contentType = headers['Content-Type'];
  // multipart: let fetch write the boundary.
  if (contentType?.startsWith('multipart/form-data')) delete headers['Content-Type'];
  const query = LOST_QUERIES[c.id];
  const url = `${baseUrl}${c.request.path}${query ? `${c.request.path.includes('?') ? '&' : '?'}${query}` : ''}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(url, {
      method: c.request.method,
      headers,
      body: encodeBody(contentType, c.request.body),
    });
    const text = await res.text();
    if (res.status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const edit = LOST_BODY_EDITS[c.id];
    if (edit && body !== null && typeof body === 'object') edit(body as Record<string, unknown>);
    return { status: res.status, body };
  }
}
