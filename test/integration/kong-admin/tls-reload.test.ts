import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CaFiles,
  createCa,
  createClientCertificate,
  createServerCertificate,
  type SimulatedProxy,
  startSimulatedProxy,
} from '@kong-fleet/kong-dbless/simulator';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KongAdminClient } from '../../../kong/admin/client.ts';
import { ReloadingTlsCredentials } from '../../../kong/admin/tls-credentials.ts';
import { eventually } from '../../helpers/eventually.ts';

describe('admin mTLS credentials reloaded from disk', () => {
  let dir: string;
  let trusted: CaFiles;
  let proxy: SimulatedProxy;
  const serverName = 'pod.kong-admin.kong.svc';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kf-tls-reload-'));
    trusted = await createCa(join(dir, 'trusted'));
    const server = await createServerCertificate(trusted, {
      commonName: 'kong-admin',
      altNames: [serverName],
    });
    proxy = await startSimulatedProxy({
      tls: {
        cert: await readFile(server.cert),
        key: await readFile(server.key),
        clientCa: await readFile(trusted.cert),
      },
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Replaces a file the way a Secret volume update does: write aside, then rename over. */
  async function swap(from: string, to: string) {
    await copyFile(from, `${to}.tmp`);
    await rename(`${to}.tmp`, to);
  }

  it('uses a rotated client certificate without a restart', async () => {
    const untrusted = await createCa(join(dir, 'untrusted'), 'other');
    const wrong = await createClientCertificate(untrusted, { commonName: 'intruder' });
    const right = await createClientCertificate(trusted, { commonName: 'kong-fleet' });
    const live = join(dir, 'live');
    await mkdir(live);
    const files = {
      certFile: join(live, 'tls.crt'),
      keyFile: join(live, 'tls.key'),
      caFile: join(live, 'ca.crt'),
    };
    await swap(wrong.cert, files.certFile);
    await swap(wrong.key, files.keyFile);
    await swap(trusted.cert, files.caFile);

    const credentials = new ReloadingTlsCredentials(files, pino({ level: 'silent' }));
    await credentials.load();
    const client = new KongAdminClient({ credentials });
    const watching = new AbortController();
    const watch = credentials.watch(watching.signal, 100);
    try {
      // nginx refuses the certificate with a bare 400 page: no verdict on any config, a failure.
      const refused = await client.readStatus({ adminUrl: proxy.adminUrl, serverName });
      expect(refused).toMatchObject({ kind: 'failed', cause: 'http', status: 400 });
      expect(refused.kind === 'failed' && refused.description).toContain('The SSL certificate error');

      await swap(right.cert, files.certFile);
      await swap(right.key, files.keyFile);
      const accepted = await eventually(async () => {
        const read = await client.readStatus({ adminUrl: proxy.adminUrl, serverName });
        return read.kind === 'ok' ? read.value : undefined;
      });
      expect(accepted.configurationHash).toBe('00000000000000000000000000000000');
      expect(credentials.material.version).toBe(2);
    } finally {
      watching.abort();
      await watch;
      await client.close();
    }
  });

  it('verifies the proxy against the configured server name', async () => {
    const credentials = new ReloadingTlsCredentials({ caFile: trusted.cert }, pino({ level: 'silent' }));
    await credentials.load();
    const client = new KongAdminClient({ credentials });
    try {
      const read = await client.readStatus({ adminUrl: proxy.adminUrl, serverName: 'pod.other.kong.svc' });
      expect(read).toMatchObject({ kind: 'failed', cause: 'network' });
      expect(read.kind === 'failed' && read.description).toMatch(/^ERR_TLS_CERT_ALTNAME_INVALID/);
    } finally {
      await client.close();
    }
  });
});
