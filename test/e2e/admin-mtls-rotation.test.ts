import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type CaFiles,
  createCa,
  createClientCertificate,
  createServerCertificate,
} from '@kong-fleet/kong-dbless/simulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KongAdminClient } from '../../kong/admin/client.ts';
import { startTlsFleet, type TlsFleet } from '../../testing/tls-fleet.ts';
import { type ControllerProcess, startController } from '../helpers/controller.ts';
import { echoApp } from '../helpers/echo-app.ts';
import { eventually } from '../helpers/eventually.ts';
import { freshNamespace, kubeConfig, kubectlApply } from '../helpers/kube.ts';
import { adminClient, waitForConvergence } from '../helpers/pipeline.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../helpers/redis.ts';

/** Push outcomes by result, summed over proxies and reasons, from the controller's /metrics. */
async function pushResults(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const match of text.matchAll(/^kong_fleet_pushes_total\{[^}]*result="([^"]+)"[^}]*\} (\d+)/gm)) {
    out[match[1]!] = (out[match[1]!] ?? 0) + Number(match[2]);
  }
  return out;
}

/** Replaces a file in one step, as the kubelet swaps a Secret volume. */
async function replaceFile(path: string, contents: string | Buffer): Promise<void> {
  await writeFile(`${path}.next`, contents, { mode: 0o600 });
  await rename(`${path}.next`, path);
}

// The proxies are simulators of this process (testing/tls-fleet.ts), whose admin TLS the test swaps
// as `kong reload` would after their certificate Secret changed.
describe('admin mTLS rotation on both sides while pushes continue', () => {
  let dir: string;
  let namespace: string;
  let prefix: string;
  let fleet: TlsFleet;
  let oldClient: KongAdminClient;
  let controller: ControllerProcess;
  const files = { cert: '', key: '', ca: '' };
  let oldCa: CaFiles;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kf-mtls-rotation-'));
    namespace = await freshNamespace('mtls-rotation');
    prefix = uniquePrefix('mtls-rotation');
    fleet = await startTlsFleet({ kubeConfig: kubeConfig(), namespace, count: 2 });
    oldClient = await adminClient(fleet.clientFiles);
    // The controller's mounted files, copied so the test can rotate them.
    for (const name of ['cert', 'key', 'ca'] as const) {
      files[name] = join(dir, `controller-${name}.pem`);
      await copyFile(fleet.clientFiles[name], files[name]);
    }
    // The fleet's CA (testing/tls-fleet.ts keeps its key next to the certificate).
    const pki = dirname(fleet.clientFiles.ca);
    oldCa = { dir: pki, name: 'ca', cert: fleet.clientFiles.ca, key: join(pki, 'ca.key') };
    controller = await startController({
      namespace,
      prefix,
      adminService: `${namespace}/${fleet.serviceName}`,
      tls: files,
    });
    await kubectlApply(echoApp({ namespace, path: '/v0' }));
    await waitForConvergence(prefix, fleet.fleet.proxies);
  });

  afterEach((context) => {
    if (context.task.result?.state === 'fail' && controller)
      console.log(`controller log:\n${controller.stdout().slice(-20_000)}\n${controller.stderr()}`);
  });

  afterAll(async () => {
    await controller?.stop();
    await oldClient?.close();
    await fleet?.stop();
    if (prefix) await deleteKeysWithPrefix(prefix);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('moves the controller client certificate and the proxies server certificates to a new CA without a failed push', async () => {
    const proxies = fleet.fleet.proxies;
    const serverNames = [`pod.${fleet.serviceName}.${namespace}.svc`, fleet.host, '127.0.0.1'];
    const newCa = await createCa(join(dir, 'pki'), 'new-ca');
    const newClient = await createClientCertificate(newCa, {
      commonName: 'kong-fleet-controller',
      name: 'client',
    });
    const newServer = await createServerCertificate(newCa, {
      commonName: 'kong-admin',
      altNames: serverNames,
    });
    // A fresh server certificate of the old CA, to hand the proxies a widened client CA bundle first.
    const renewedServer = await createServerCertificate(oldCa, {
      commonName: 'kong-admin',
      altNames: serverNames,
      name: 'renewed',
    });
    const pem = (path: string) => readFile(path, 'utf8');
    const [oldCaPem, newCaPem] = [await pem(oldCa.cert), await pem(newCa.cert)];
    const bothCas = `${oldCaPem}\n${newCaPem}`;
    const reloads = () => controller.stdout().split('admin TLS credentials reloaded').length - 1;
    const reloaded = (count: number) =>
      eventually(() => reloads() >= count, { timeoutMs: 20_000, description: `${count} credential reloads` });

    const before = await pushResults(controller.baseUrl);
    // Pushes keep coming: a new path every few hundred milliseconds, each a new build for every proxy.
    let pushing = true;
    let changes = 0;
    const pusher = (async () => {
      while (pushing) {
        changes++;
        await kubectlApply(echoApp({ namespace, path: `/v${changes}` }));
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    })();

    // 1. The proxies accept client certificates of both CAs (a renewed server certificate, same CA).
    for (const proxy of proxies)
      proxy.setTls({
        cert: await pem(renewedServer.cert),
        key: await pem(renewedServer.key),
        clientCa: bothCas,
      });
    // 2. The controller trusts server certificates of both CAs.
    await replaceFile(files.ca, bothCas);
    await reloaded(1);
    // 3. The controller presents its new client certificate (key first: a mismatched pair is refused
    //    and the previous one kept until the pair matches).
    await replaceFile(files.key, await pem(newClient.key));
    await replaceFile(files.cert, await pem(newClient.cert));
    await eventually(
      async () => reloads() >= 2 && (await readFile(files.cert, 'utf8')) === (await pem(newClient.cert)),
      { timeoutMs: 20_000, description: 'the new client certificate loaded' },
    );
    // 4. The proxies present server certificates of the new CA.
    for (const proxy of proxies)
      proxy.setTls({ cert: await pem(newServer.cert), key: await pem(newServer.key), clientCa: bothCas });
    // 5. The old CA leaves both trust bundles.
    for (const proxy of proxies)
      proxy.setTls({ cert: await pem(newServer.cert), key: await pem(newServer.key), clientCa: newCaPem });
    const reloadsBefore = reloads();
    await replaceFile(files.ca, newCaPem);
    await reloaded(reloadsBefore + 1);

    // A few more changes after the last step, then stop and let the fleet converge.
    const changesAtEnd = changes;
    await eventually(() => changes >= changesAtEnd + 3, {
      timeoutMs: 30_000,
      description: 'three more changes',
    });
    pushing = false;
    await pusher;
    await waitForConvergence(prefix, proxies);

    const after = await pushResults(controller.baseUrl);
    const delta = Object.fromEntries(
      Object.entries(after).map(([result, count]) => [result, count - (before[result] ?? 0)]),
    );
    // Every push of the rotation reached a proxy and was taken. A TLS failure would count as `error`
    // (a 429 from a proxy still loading the previous push is `retry`, the proxy's lock, not TLS).
    expect(delta.synced ?? 0).toBeGreaterThanOrEqual(proxies.length * 3);
    for (const failure of ['error', 'rejected', 'incompatible'])
      expect(delta[failure] ?? 0, `${failure} pushes`).toBe(0);
    expect(controller.stdout()).not.toContain('could not reload the admin TLS credentials');
    // For the record of a run: how many pushes of each outcome the rotation saw.
    await mkdir('.test-results', { recursive: true });
    await writeFile(join('.test-results', 'mtls-rotation-pushes.json'), JSON.stringify({ changes, delta }));

    // The rotation took effect: a client holding only the old material is refused by every proxy.
    for (const proxy of proxies) {
      const read = await oldClient.readStatus({ adminUrl: proxy.adminUrl, serverName: serverNames[0]! });
      expect(read.kind).toBe('failed');
    }
  });
});
