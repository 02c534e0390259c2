import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ADMITTED_KINDS } from '../../../kong/admission-verdict.ts';

const MANIFEST = join(import.meta.dirname, '../../../deploy/webhook.yaml');

interface Webhook {
  readonly failurePolicy: string;
  readonly timeoutSeconds: number;
  readonly sideEffects: string;
  readonly clientConfig: { readonly service: { readonly path: string } };
  readonly rules: { readonly resources: string[] }[];
}

describe('deploy/webhook.yaml', () => {
  it('never blocks the cluster when the controller is down: Ignore, a short timeout, no side effects', async () => {
    const docs = parseAllDocuments(await readFile(MANIFEST, 'utf8')).map((doc) => doc.toJS());
    const config = docs.find((doc) => doc.kind === 'ValidatingWebhookConfiguration');
    const webhooks = config.webhooks as Webhook[];
    expect(webhooks.length).toBeGreaterThan(0);
    for (const webhook of webhooks) {
      expect(webhook.failurePolicy).toBe('Ignore');
      expect(webhook.timeoutSeconds).toBeLessThanOrEqual(5);
      expect(webhook.sideEffects).toBe('None');
      expect(webhook.clientConfig.service.path).toBe('/validate');
    }
    // Every kind the controller judges is sent to it.
    const resources = webhooks.flatMap((webhook) => webhook.rules.flatMap((rule) => rule.resources));
    expect(resources.sort()).toEqual(
      ADMITTED_KINDS.map((kind) => `${kind.toLowerCase()}${kind.endsWith('s') ? 'es' : 's'}`).sort(),
    );
  });
});
