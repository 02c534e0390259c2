/**
 * Continuous GETs through proxies' data planes at a steady pace, counting every answer that is not the
 * expected status (and every error) as a failure with what, where and when: the load a zero-downtime test
 * keeps up while it changes the control plane.
 */
import { Agent, request as httpRequest } from 'node:http';

export interface RequestTarget {
  /** e.g. the proxy id and the route. */
  readonly label: string;
  /** The proxy's data plane, `http://<pod IP>:8000`. */
  readonly baseUrl: string;
  readonly host: string;
  readonly path: string;
}

export interface RequestFailure {
  readonly label: string;
  readonly at: string;
  readonly status?: number;
  readonly error?: string;
}

export interface ContinuousRequests {
  /** Requests answered or failed so far. */
  readonly total: () => number;
  readonly failures: () => readonly RequestFailure[];
  /** Requests per target so far. */
  readonly perTarget: () => ReadonlyMap<string, number>;
  /** Stops sending; resolves once the requests in flight have ended. */
  stop(): Promise<{ total: number; failures: readonly RequestFailure[]; seconds: number }>;
}

/** One loop per target, each sending a request every `periodMs` (sequentially: one in flight per target). */
export function startContinuousRequests(
  targets: readonly RequestTarget[],
  { periodMs = 100, expectStatus = 200, timeoutMs = 10_000 } = {},
): ContinuousRequests {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const started = performance.now();
  let stopped = false;
  let total = 0;
  const failures: RequestFailure[] = [];
  const perTarget = new Map<string, number>();
  const once = (target: RequestTarget) =>
    new Promise<void>((resolve) => {
      const fail = (failure: Omit<RequestFailure, 'label' | 'at'>) => {
        failures.push({ label: target.label, at: new Date().toISOString(), ...failure });
        resolve();
      };
      const req = httpRequest(
        `${target.baseUrl}${target.path}`,
        { agent, headers: { host: target.host }, timeout: timeoutMs },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== expectStatus) fail({ status: res.statusCode ?? 0 });
            else resolve();
          });
          res.on('error', (err) => fail({ error: err.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => fail({ error: err.message }));
      req.end();
    });
  const loops = targets.map(async (target) => {
    while (!stopped) {
      const begun = performance.now();
      await once(target);
      total += 1;
      perTarget.set(target.label, (perTarget.get(target.label) ?? 0) + 1);
      const left = periodMs - (performance.now() - begun);
      // Pacing, not synchronisation: keeps the load steady instead of as fast as the machine goes.
      if (left > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, left));
    }
  });
  return {
    total: () => total,
    failures: () => failures,
    perTarget: () => perTarget,
    async stop() {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
      return { total, failures, seconds: (performance.now() - started) / 1000 };
    },
  };
}
