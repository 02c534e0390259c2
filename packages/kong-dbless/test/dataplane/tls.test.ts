/** The https proxy listener: SNI routing, and https-only routes reached over plain http. */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { certificateForName } from '../../src/simulator/dataplane/sni-certificates.ts';
import {
  createCa,
  createServerCertificate,
  type EchoReply,
  type EchoServer,
} from '../../src/simulator/index.ts';
import type { FlattenedEntities } from '../../src/validate/index.ts';
import { type Node, startEchoes, startNode } from './harness.ts';

let dir: string;
let echoes: EchoServer[];
let node: Node;
/** A certificate of the loaded config, for `*.cfg.tls.test` (Kong's `certificates` + `snis`). */
let configCert: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kong-sim-dp-tls-'));
  const ca = await createCa(dir, 'proxy-ca');
  const cert = await createServerCertificate(ca, {
    commonName: 'proxy',
    altNames: ['a.tls.test', 'b.tls.test'],
  });
  echoes = await startEchoes(2);
  node = await startNode({
    dataPlane: {
      httpPort: 0,
      httpsPort: 0,
      tls: { cert: await readFile(cert.cert, 'utf8'), key: await readFile(cert.key, 'utf8') },
    },
  });
  const [a, b] = echoes as [EchoServer, EchoServer];
  const other = await createServerCertificate(ca, { commonName: 'cfg', altNames: ['*.cfg.tls.test'] });
  configCert = await readFile(other.cert, 'utf8');
  await node.load({
    certificates: [
      { cert: configCert, key: await readFile(other.key, 'utf8'), snis: [{ name: '*.cfg.tls.test' }] },
    ],
    services: [
      {
        name: 'sni-a',
        host: a.host,
        port: a.port,
        routes: [{ name: 'a', protocols: ['https'], snis: ['a.tls.test'], paths: ['/'] }],
      },
      {
        name: 'sni-b',
        host: b.host,
        port: b.port,
        routes: [{ name: 'b', protocols: ['https'], snis: ['b.tls.test'], paths: ['/'] }],
      },
    ],
  });
});
afterAll(async () => {
  await node.proxy.stop();
  await Promise.all(echoes.map((e) => e.stop()));
  await rm(dir, { recursive: true, force: true });
});

/** The certificate the https listener serves for `servername` (PEM of its DER). */
function servedCertificate(servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${node.proxy.proxyTlsUrl}/x`,
      { servername, rejectUnauthorized: false, agent: false },
      (res) => {
        const der = (res.socket as TLSSocket).getPeerCertificate().raw;
        res.resume();
        resolve(new X509Certificate(der).toString());
      },
    );
    req.on('error', reject);
    req.end();
  });
}

it("serves the config's certificate for a name its SNIs cover (wildcard), else the listener's own", async () => {
  expect(await servedCertificate('x.cfg.tls.test')).toBe(new X509Certificate(configCert).toString());
  expect(await servedCertificate('c.tls.test')).not.toBe(new X509Certificate(configCert).toString());
});

it("serves the catch-all SNI '*' for any other name", () => {
  const entities = {
    certificates: { c1: { id: 'c1', cert: 'x', key: 'y' } },
    snis: { s1: { id: 's1', name: '*', certificate: { id: 'c1' } } },
  } as unknown as FlattenedEntities;
  expect(certificateForName(entities, 'anything.example')?.id).toBe('c1');
});

function sendTls(servername: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${node.proxy.proxyTlsUrl}/x`,
      { servername, rejectUnauthorized: false, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

it('routes by the TLS server name on the https listener', async () => {
  const a = await sendTls('a.tls.test');
  expect(a.status).toBe(200);
  expect((JSON.parse(a.body) as EchoReply).name).toBe('echo-0');
  expect((JSON.parse(a.body) as EchoReply).headers['x-forwarded-proto']).toBe('https');
  const b = await sendTls('b.tls.test');
  expect((JSON.parse(b.body) as EchoReply).name).toBe('echo-1');
  expect((await sendTls('c.tls.test')).status).toBe(404);
});

it('answers an https-only route over plain http with 426', async () => {
  const res = await node.send('/x');
  expect(res.status).toBe(426);
  expect(await res.json()).toEqual({ message: 'Please use HTTPS protocol' });
  // Nothing reached a backend: each answered only its one https request above.
  expect(echoes.map((e) => e.requestCount())).toEqual([1, 1]);
});
