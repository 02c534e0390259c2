import type { KongRouteEntity } from '../declarative.ts';
import {
  A,
  commaList,
  extractHeaders,
  KONG_PROTOCOLS,
  parseGoBool,
  parseGoInt,
  parseTrueFalse,
} from './annotations.ts';
import type { ErrorCollector } from './errors.ts';
import { VALID_HOST, VALID_METHOD, VALID_SNI } from './expressions.ts';
import { annotationsOf } from './k8s-object.ts';
import type { RouteDraft } from './model.ts';

const REDIRECT_CODES: ReadonlySet<number> = new Set([426, 301, 302, 307, 308]);

/**
 * KIC's `kongstate.Route.Override`: route-level annotations of the source object (Ingress, HTTPRoute…), then
 * protocol normalisation. Invalid values are ignored as KIC does, and reported as warnings on the object.
 */
export function applyRouteOverrides(draft: RouteDraft, errors: ErrorCollector): void {
  const anns = annotationsOf(draft.source);
  const r = draft.entity;
  const warn = (reason: string) => errors.warn(draft.source, reason);

  const strip = parseTrueFalse(anns, A.stripPath);
  if (strip && 'value' in strip) r.strip_path = strip.value;
  else if (strip) warn(strip.invalid);

  if (anns[A.forceSslRedirect] === 'true') {
    r.https_redirect_status_code = 302;
    useSslProtocols(r);
  }
  const code = anns[A.httpsRedirectCode];
  if (code !== undefined && code !== '') {
    const parsed = /^[+-]?\d+$/.test(code) ? Number(code) : Number.NaN;
    if (REDIRECT_CODES.has(parsed)) r.https_redirect_status_code = parsed;
    else warn(`annotation ${A.httpsRedirectCode}: "${code}" is not one of 301, 302, 307, 308, 426; ignored`);
  }

  const preserve = parseTrueFalse(anns, A.preserveHost);
  if (preserve && 'value' in preserve) r.preserve_host = preserve.value;
  else if (preserve) warn(preserve.invalid);

  for (const [key, field] of [
    [A.requestBuffering, 'request_buffering'],
    [A.responseBuffering, 'response_buffering'],
  ] as const) {
    const parsed = parseGoBool(anns, key);
    if (parsed && 'value' in parsed) r[field] = parsed.value;
    else if (parsed) warn(parsed.invalid);
  }

  const protocols = commaList(anns, A.protocols);
  if (protocols && protocols.length > 0) {
    const bad = protocols.find((p) => !KONG_PROTOCOLS.has(p));
    if (bad === undefined) r.protocols = protocols;
    else warn(`annotation ${A.protocols}: "${bad}" is not a Kong protocol; ignored`);
  }

  // The expression router has no regex_priority, methods, snis, hosts, headers or path_handling fields.
  if (!draft.expression) {
    const priority = parseGoInt(anns, A.regexPriority);
    if (priority && 'value' in priority) r.regex_priority = priority.value;
    else if (priority && anns[A.regexPriority] !== '') warn(priority.invalid);

    const methods = commaList(anns, A.methods);
    if (methods && methods.length > 0) {
      const bad = methods.find((m) => !VALID_METHOD.test(m));
      if (bad === undefined) r.methods = methods;
      else warn(`annotation ${A.methods}: "${bad}" is not an upper-case HTTP method; ignored`);
    }

    const snis = commaList(anns, A.snis);
    if (snis !== undefined) {
      const bad = snis.find((s) => !VALID_SNI.test(s));
      if (bad === undefined) {
        if (snis.length > 0) r.snis = snis;
        else delete r.snis;
      } else warn(`annotation ${A.snis}: "${bad}" is not a valid SNI; ignored`);
    }

    const aliases = commaList(anns, A.hostAliases);
    if (aliases && aliases.length > 0) {
      const bad = aliases.find((h) => !VALID_HOST.test(h));
      if (bad === undefined) {
        const hosts = [...(r.hosts ?? [])];
        for (const alias of aliases) if (!hosts.includes(alias)) hosts.push(alias);
        r.hosts = hosts;
      } else warn(`annotation ${A.hostAliases}: "${bad}" is not a valid host; ignored`);
    }

    const headers = extractHeaders(anns);
    if (headers.size > 0) r.headers = Object.fromEntries(headers);

    const handling = anns[A.pathHandling];
    if (handling !== undefined) {
      if (/v\d/.test(handling)) r.path_handling = handling;
      else warn(`annotation ${A.pathHandling}: "${handling}" is not v0 or v1; ignored`);
    }
  }
  normalizeProtocols(draft);
}

/** KIC's `useSSLProtocol`: keep the TLS variants of the route's protocol families. */
function useSslProtocols(r: KongRouteEntity): void {
  const protocols = r.protocols ?? [];
  const grpc = protocols.some((p) => p.includes('grpc'));
  const http = protocols.some((p) => p.includes('http'));
  const out: string[] = [];
  if (grpc) out.push('grpcs');
  if (http || !grpc) out.push('https');
  r.protocols = out;
}

/** KIC's `normalizeProtocols`: mixed grpc/http becomes http+https; grpc routes cannot strip paths. */
function normalizeProtocols(draft: RouteDraft): void {
  if (draft.expression) return;
  const r = draft.entity;
  const protocols = r.protocols ?? [];
  let grpc = false;
  let http = false;
  for (const p of protocols) {
    if (p.includes('grpc')) grpc = true;
    if (p.includes('http') || !KONG_PROTOCOLS.has(p)) http = true;
  }
  if (grpc && http) r.protocols = ['http', 'https'];
  if (grpc) delete r.strip_path;
}
