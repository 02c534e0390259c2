import { A } from './annotations.ts';
import { annotationsOf } from './k8s-object.ts';
import type { ServiceDraft } from './model.ts';

/**
 * KIC's `MaybeRewriteURI`: `konghq.com/rewrite` on an Ingress becomes a request-transformer replacing the URI,
 * `$N` turning into `$(uri_captures[N])`. Returns an error message (the Kong service is then dropped, as in KIC).
 */
export function applyRewriteAnnotations(service: ServiceDraft, enabled: boolean): string | undefined {
  for (const route of service.routes) {
    const rewrite = annotationsOf(route.source)[A.rewrite];
    if (rewrite === undefined) continue;
    if (!enabled)
      return `${A.rewrite} annotation not supported when rewrite uris disabled (feature flag RewriteURIs)`;
    const uri = rewriteUriConfig(rewrite === '' ? '/' : rewrite);
    if (typeof uri !== 'string') return `${A.rewrite}: ${uri.error}`;
    route.entity.plugins = [
      ...(route.entity.plugins ?? []),
      { name: 'request-transformer', config: { replace: { uri } } },
    ];
  }
  return undefined;
}

/** KIC's `generateRewriteURIConfig` state machine (`\$` escapes a dollar, `$N` is a capture group). */
export function rewriteUriConfig(uri: string): string | { error: string } {
  let out = '';
  let state: 'plain' | 'escape' | 'mark' | 'digit' = 'plain';
  let pos = 0;
  for (const ch of uri) {
    const isDigit = ch >= '0' && ch <= '9';
    switch (state) {
      case 'escape':
        if (ch !== '$') return { error: `unexpected ${ch} at pos ${pos}` };
        out += ch;
        state = 'plain';
        break;
      case 'mark':
        if (!isDigit) return { error: `unexpected ${ch} at pos ${pos}` };
        out += `$(uri_captures[${ch}`;
        state = 'digit';
        break;
      case 'digit':
        if (isDigit) out += ch;
        else {
          out += '])';
          if (ch === '$') state = 'mark';
          else if (ch === '\\') state = 'escape';
          else {
            out += ch;
            state = 'plain';
          }
        }
        break;
      case 'plain':
        if (ch === '$') state = 'mark';
        else if (ch === '\\') state = 'escape';
        else out += ch;
        break;
    }
    pos += Buffer.byteLength(ch);
  }
  if (state === 'digit') out += '])';
  else if (state !== 'plain') return { error: 'unexpected end of string' };
  return out;
}
