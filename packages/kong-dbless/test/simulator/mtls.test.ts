import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedProxy, startSimulatedProxy } from '../../src/simulator/index.ts';
import { createCa, createClientCertificate, createServerCertificate } from '../../src/simulator/pki.ts';

let dir: string;
let proxy: SimulatedProxy;
let ca: Buffer;
let client: { cert: Buffer; key: Buffer };
let stranger: { cert: Buffer; key: Buffer };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kong-sim-pki-'));
  const caFiles = await createCa(dir, 'admin-ca');
  const otherCa = await createCa(join(dir, 'other'), 'other-ca');
  const server = await createServerCertificate(caFiles, {
    commonName: 'kong-admin',
    altNames: ['127.0.0.1', 'localhost', 'pod.kong-admin.kong.svc'],
  });
  const good = await createClientCertificate(caFiles, { commonName: 'kong-fleet' });
  const bad = await createClientCertificate(otherCa, { commonName: 'intruder' });
  ca = await readFile(caFiles.cert);
  client = { cert: await readFile(good.cert), key: await readFile(good.key) };
  stranger = { cert: await readFile(bad.cert), key: await readFile(bad.key) };
  proxy = await startSimulatedProxy({
    tls: { cert: await readFile(server.cert), key: await readFile(server.key), clientCa: ca },
  });
});
afterAll(async () => {
  await proxy?.stop();
  await rm(dir, { recursive: true, force: true });
});

const get = async (connect: Record<string, unknown>) => {
  const dispatcher = new Agent({ connect: { ca, ...connect } });
  try {
    const res = await request(`${proxy.adminUrl}/status`, { dispatcher });
    return { status: res.statusCode, text: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
};

describe('admin mTLS (nginx ssl_verify_client on)', () => {
  it('serves a client with a certificate from the configured CA', async () => {
    const res = await get(client);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).configuration_hash).toMatch(/^0{32}$/);
  });

  it('answers 400 "No required SSL certificate was sent" without a client certificate', async () => {
    const res = await get({});
    expect(res.status).toBe(400);
    expect(res.text).toContain('No required SSL certificate was sent');
  });

  it('answers 400 "The SSL certificate error" for a certificate from another CA', async () => {
    const res = await get(stranger);
    expect(res.status).toBe(400);
    expect(res.text).toContain('The SSL certificate error');
  });
});
