/**
 * Requests through the proxies' data plane while a scenario runs: every proxy not under a fault is asked
 * for the probe route in a loop; an answer other than the probe's 200 counts as failed.
 */
import { request } from 'node:http';
import type { ProxyPod } from '../../testing/pods/proxy-pods.ts';

export interface Traffic {
  /** Stops the loops; resolves to the requests sent and failed. */
  stop(): Promise<{ sent: number; failed: number }>;
}

function probe(proxy: ProxyPod): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${proxy.proxyUrl}/`, { headers: { host: 'probe.chaos' }, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** One loop per proxy `targets()` names, a request every `intervalMs`. */
export function startTraffic(targets: () => readonly ProxyPod[], intervalMs = 100): Traffic {
  let sent = 0;
  let failed = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const answers = await Promise.all(targets().map((proxy) => probe(proxy)));
      sent += answers.length;
      failed += answers.filter((ok) => !ok).length;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { sent, failed };
    },
  };
}
