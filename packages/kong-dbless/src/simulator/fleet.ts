/** N simulated Kong nodes in one process (benchmarks run 100–500). */
import {
  type SimulatedProxy,
  type SimulatedProxyOptions,
  startSimulatedProxy,
  type TlsOptions,
} from './proxy.ts';

export interface SimulatedFleetOptions extends Omit<SimulatedProxyOptions, 'id' | 'port'> {
  /** Number of proxies to start. */
  count: number;
  /** Proxy i listens on `portBase + i`. @defaultValue free ports */
  portBase?: number;
  /** Data-plane listeners of every proxy; a non-zero port is a base, proxy i gets `port + i`. @defaultValue none */
  dataPlane?: SimulatedProxyOptions['dataPlane'];
  tls?: TlsOptions;
}

export interface SimulatedFleet {
  readonly proxies: SimulatedProxy[];
  /** Starts one more proxy with the fleet's options. */
  add(): Promise<SimulatedProxy>;
  /** Stops and forgets a proxy. */
  remove(id: string): Promise<void>;
  get(id: string): SimulatedProxy | undefined;
  stop(): Promise<void>;
}

export async function startSimulatedFleet(options: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const { count, portBase, dataPlane, ...proxyOptions } = options;
  const proxies: SimulatedProxy[] = [];
  let next = 0;
  const start = () => {
    const i = next++;
    return startSimulatedProxy({
      ...proxyOptions,
      id: `proxy-${i}`,
      ...(portBase !== undefined ? { port: portBase + i } : {}),
      ...(dataPlane ? { dataPlane: dataPlanePorts(dataPlane, i) } : {}),
    });
  };
  // Start in small batches: hundreds of simultaneous listens are fine, but keep the event loop responsive.
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, start));
    proxies.push(...batch);
  }
  return {
    proxies,
    async add() {
      const proxy = await start();
      proxies.push(proxy);
      return proxy;
    },
    async remove(id) {
      const i = proxies.findIndex((p) => p.id === id);
      if (i < 0) return;
      const [proxy] = proxies.splice(i, 1);
      await proxy!.stop();
    },
    get: (id) => proxies.find((p) => p.id === id),
    async stop() {
      await Promise.all(proxies.map((p) => p.stop()));
    },
  };
}

/** Proxy i's data-plane ports: free ports stay free (0), fixed ones are offset by i so proxies never collide. */
function dataPlanePorts(
  options: NonNullable<SimulatedProxyOptions['dataPlane']>,
  i: number,
): NonNullable<SimulatedProxyOptions['dataPlane']> {
  const offset = (port: number | undefined) => (port === undefined || port === 0 ? port : port + i);
  const ports = {
    httpPort: offset(options.httpPort),
    httpsPort: offset(options.httpsPort),
    statusPort: offset(options.statusPort),
  };
  return {
    ...Object.fromEntries(Object.entries(ports).filter(([, v]) => v !== undefined)),
    ...(options.tls ? { tls: options.tls } : {}),
  };
}
