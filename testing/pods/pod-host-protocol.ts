/** Messages between the harness and pod-host.ts (inside the pod network namespace), over Node IPC. */

/** PEM material of a proxy pod's admin listener (what the Secret kong-admin-tls holds in a cluster). */
export interface ProxyPodTls {
  cert: string;
  key: string;
  /** Clients must present a certificate this CA signed. */
  clientCa: string;
}

export type PodHostRequest = { id: number } & (
  | { op: 'startProxy'; name: string; address: string; tls: ProxyPodTls }
  | { op: 'stopProxy'; name: string }
  | { op: 'proxyState'; name: string }
  | { op: 'fault'; name: string; fault: ProxyPodFault }
  | { op: 'impair'; name: string; impairment: ProxyImpairment }
  | { op: 'startEcho'; name: string; address: string; port: number }
  | { op: 'stopEcho'; name: string }
  | { op: 'startEchoBasic'; name: string; address: string; port: number; namespace: string }
  | {
      op: 'startForward';
      name: string;
      address: string;
      port: number;
      target: { host: string; port: number };
    }
  | { op: 'stopForward'; name: string }
);

/** Where a proxy pod serves: Kong's admin (8444), proxy (8000), TLS proxy (8443) and status (8100) listeners. */
export interface ProxyPodUrls {
  adminUrl: string;
  proxyUrl: string;
  proxyTlsUrl: string;
  statusUrl: string;
}

/** The simulator's faults a test can inject into a proxy pod from the host. */
export type ProxyPodFault = 'down' | 'up' | 'restart';

/**
 * The simulator's parametrised faults (its ProxyFaults setLatency, failNext, dropNext, setVersion), for
 * a proxy pod the same as for a proxy of this process. Each field set is applied; the others are kept.
 */
export interface ProxyImpairment {
  /** Delay every Admin API request by this long (0 ends it). */
  latencyMs?: number;
  /** Answer the next `count` Admin API requests with `status`. */
  failNext?: { count: number; status: number };
  /** Destroy the connection of the next `count` Admin API requests without answering. */
  dropNext?: number;
  /** What `GET /` reports as Kong's version. */
  version?: string;
}

/** What a proxy pod reports about itself (a subset of the simulator's ProxyState, JSON-safe). */
export interface ProxyPodState {
  configurationHash: string;
  up: boolean;
  configPushes: number;
}

export type PodHostReply = { id: number } & (
  | {
      result: Record<string, never> | ProxyPodUrls | { url: string } | ProxyPodState;
      error?: undefined;
    }
  | { error: string; result?: undefined }
);
