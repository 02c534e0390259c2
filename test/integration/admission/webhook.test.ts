import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createCa, createServerCertificate } from '@kong-fleet/kong-dbless/simulator';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionVerdict } from '../../../kong/admission-verdict.ts';
import type { KubectlError } from '../../../scripts/control-plane.d/kubectl.ts';
import { type AdmissionWebhook, startAdmissionWebhook } from '../../../workers/admission-webhook.ts';
import { eventually } from '../../helpers/eventually.ts';
import { freshNamespace, kubectl, kubectlApply } from '../../helpers/kube.ts';

/** rate-limiting with a limit that is not a number: Kong refuses it ("config.minute: expected a number"). */
const plugin = (name: string, minute: string | number) => `
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: ${name}
plugin: rate-limiting
config:
  minute: ${typeof minute === 'string' ? JSON.stringify(minute) : minute}
`;

/** `kubectl apply`'s error text, or undefined when it succeeded. */
async function applyError(
  manifest: string,
  namespace: string,
  ...extra: string[]
): Promise<string | undefined> {
  try {
    await kubectl(['apply', `--namespace=${namespace}`, ...extra, '-f', '-'], { input: manifest });
    return undefined;
  } catch (err) {
    return (err as KubectlError).stderr ?? String(err);
  }
}

describe('admission webhook called by the real kube-apiserver', () => {
  let dir: string;
  let namespace: string;
  let webhook: AdmissionWebhook | undefined;
  let ca: Awaited<ReturnType<typeof createCa>>;
  let served: { cert: string; key: string };
  const configName = `kong-fleet-test-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kf-webhook-'));
    namespace = await freshNamespace('webhook');
    ca = await createCa(dir);
    served = await createServerCertificate(ca, { commonName: '127.0.0.1', altNames: ['127.0.0.1'] });
    webhook = await startAdmissionWebhook({
      host: '127.0.0.1',
      port: 0,
      certFile: served.cert,
      keyFile: served.key,
      judge: async (object) => admissionVerdict(object),
      logger: pino({ level: 'silent' }),
      reloadIntervalMs: 100,
    });
    const caBundle = (await readFile(ca.cert)).toString('base64');
    // Scoped to this test's namespace: other tests share the apiserver.
    await kubectlApply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: ${configName}
webhooks:
  - name: validate.kong-fleet.konghq.com
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Ignore
    timeoutSeconds: 3
    clientConfig:
      url: ${webhook.url}/validate
      caBundle: ${caBundle}
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: ${namespace}
    rules:
      - apiGroups: [configuration.konghq.com]
        apiVersions: ['*']
        operations: [CREATE, UPDATE]
        resources: [kongplugins, kongclusterplugins, kongconsumers]
`);
  });

  afterAll(async () => {
    await kubectl(['delete', 'validatingwebhookconfiguration', configName, '--ignore-not-found']).catch(
      () => {},
    );
    await webhook?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a broken KongPlugin with Kong's message and admits a valid one", async () => {
    // The apiserver picks up a new registration within a moment: wait for the first refusal (dry run).
    const refusal = await eventually(
      () => applyError(plugin('broken', 'lots'), namespace, '--dry-run=server'),
      {
        timeoutMs: 30_000,
        description: 'the apiserver to call the webhook',
      },
    );
    expect(refusal).toContain('denied the request');
    expect(refusal).toContain('config.minute: expected a number');

    const error = await applyError(plugin('broken', 'lots'), namespace);
    expect(error).toContain('config.minute: expected a number');
    await expect(kubectl(['get', 'kongplugin', 'broken', `--namespace=${namespace}`])).rejects.toThrow(
      /NotFound/,
    );

    expect(await applyError(plugin('valid', 5), namespace)).toBeUndefined();
    expect(await kubectl(['get', 'kongplugin', 'valid', `--namespace=${namespace}`, '-o', 'name'])).toContain(
      'kongplugin',
    );
  });

  it('serves a renewed certificate without a restart, and the apiserver keeps calling it', async () => {
    const renewed = await createServerCertificate(ca, {
      commonName: 'renewed',
      altNames: ['127.0.0.1'],
      name: 'renewed',
    });
    await copyFile(renewed.key, served.key);
    await copyFile(renewed.cert, served.cert);
    await eventually(async () => (await servedCommonName(webhook!.url, ca.cert)) === 'renewed', {
      description: 'the renewed certificate to be served',
    });
    expect(await applyError(plugin('broken-after-renewal', 'lots'), namespace)).toContain(
      'config.minute: expected a number',
    );
  });

  it('with the webhook down, applies still succeed (failurePolicy Ignore)', async () => {
    await webhook?.close();
    webhook = undefined;
    const started = Date.now();
    expect(await applyError(plugin('broken-while-down', 'lots'), namespace)).toBeUndefined();
    // Connection refused is answered at once; the 3 s timeout bounds a hung controller.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(
      await kubectl(['get', 'kongplugin', 'broken-while-down', `--namespace=${namespace}`, '-o', 'name']),
    ).toContain('kongplugin');
  });
});

/** The subject CN of the certificate the server at `url` presents now (verified against `caFile`). */
async function servedCommonName(url: string, caFile: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  const ca = await readFile(caFile);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(Array.isArray(cn) ? cn[0] : cn);
    });
    socket.on('error', reject);
  });
}
