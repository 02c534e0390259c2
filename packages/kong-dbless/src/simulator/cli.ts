/**
 * npm run kong-sim -- --count N [--port-base P] [--control-port C] [--tls --cert F --key F [--client-ca F]]
 *   [--kong-version V] [--router-flavor F] [--edition community|enterprise] [--load-ms MS] [--json]
 *   [--proxy-port P] [--proxy-tls-port P] [--status-port P]   (data plane; 0 = free ports, else proxy i gets P+i;
 *                                                              the TLS proxy listener serves --cert/--key)
 * Starts N simulated Kong nodes on loopback, prints their admin URLs (one per line, or JSON), and runs until
 * SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { KongEdition, RouterFlavor } from '../validate/index.ts';
import { startControlApi } from './control-api.ts';
import { startSimulatedFleet } from './fleet.ts';

function fail(message: string): never {
  process.stderr.write(`kong-sim: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1' },
    'port-base': { type: 'string' },
    'control-port': { type: 'string', default: '0' },
    tls: { type: 'boolean', default: false },
    cert: { type: 'string' },
    key: { type: 'string' },
    'client-ca': { type: 'string' },
    'kong-version': { type: 'string', default: '3.9.1' },
    'router-flavor': { type: 'string', default: 'traditional_compatible' },
    edition: { type: 'string', default: 'community' },
    'load-ms': { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
    'proxy-port': { type: 'string' },
    'proxy-tls-port': { type: 'string' },
    'status-port': { type: 'string' },
  },
});

const int = (name: string, value: string | undefined, min: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min} (got '${value}')`);
  return n;
};
const count = int('count', values.count, 1);
if (!['traditional_compatible', 'traditional', 'expressions'].includes(values['router-flavor']!))
  fail('--router-flavor must be traditional_compatible, traditional or expressions');
if (!['community', 'enterprise'].includes(values.edition!)) fail('--edition must be community or enterprise');
let tls: { cert: Buffer; key: Buffer; clientCa?: Buffer } | undefined;
if (values.tls || values['client-ca']) {
  if (!values.cert || !values.key) fail('--tls needs --cert and --key');
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      return fail(`cannot read ${flag} ${path}: ${(err as Error).message}`);
    }
  };
  tls = { cert: read('--cert', values.cert), key: read('--key', values.key) };
  if (values['client-ca']) tls.clientCa = read('--client-ca', values['client-ca']);
}

const dataPlane = {
  ...(values['proxy-port'] !== undefined ? { httpPort: int('proxy-port', values['proxy-port'], 0) } : {}),
  ...(values['proxy-tls-port'] !== undefined
    ? { httpsPort: int('proxy-tls-port', values['proxy-tls-port'], 0) }
    : {}),
  ...(values['status-port'] !== undefined
    ? { statusPort: int('status-port', values['status-port'], 0) }
    : {}),
};
if (dataPlane.httpsPort !== undefined && !tls) fail('--proxy-tls-port needs --tls --cert F --key F');
const fleet = await startSimulatedFleet({
  count,
  ...(values['port-base'] ? { portBase: int('port-base', values['port-base'], 1) } : {}),
  ...(tls ? { tls } : {}),
  kongVersion: values['kong-version']!,
  routerFlavor: values['router-flavor'] as RouterFlavor,
  edition: values.edition as KongEdition,
  loadDurationMs: int('load-ms', values['load-ms'], 0),
  ...(Object.keys(dataPlane).length > 0
    ? {
        dataPlane: {
          ...dataPlane,
          ...(tls ? { tls: { cert: String(tls.cert), key: String(tls.key) } } : {}),
        },
      }
    : {}),
});
const urls = (p: (typeof fleet.proxies)[number]) => ({
  id: p.id,
  adminUrl: p.adminUrl,
  ...(p.proxyUrl ? { proxyUrl: p.proxyUrl } : {}),
  ...(p.proxyTlsUrl ? { proxyTlsUrl: p.proxyTlsUrl } : {}),
  ...(p.statusUrl ? { statusUrl: p.statusUrl } : {}),
});
const control = await startControlApi(fleet, int('control-port', values['control-port'], 0));
if (values.json) {
  process.stdout.write(`${JSON.stringify({ control: control.url, proxies: fleet.proxies.map(urls) })}\n`);
} else {
  for (const proxy of fleet.proxies) process.stdout.write(`${proxy.adminUrl}\n`);
  process.stderr.write(`kong-sim: control API on ${control.url}\n`);
}

let stopping = false;
const shutdown = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  await Promise.all([fleet.stop(), control.stop()]);
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
