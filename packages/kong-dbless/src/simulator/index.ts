/** The Kong Admin API simulator library (see README.md). */
export { type ControlApi, startControlApi } from './control-api.ts';
export type { DataPlaneOptions } from './dataplane/index.ts';
export { type EchoReply, type EchoServer, type EchoServerOptions, startEchoServer } from './echo-server.ts';
export { exportConfig } from './export.ts';
export { type SimulatedFleet, type SimulatedFleetOptions, startSimulatedFleet } from './fleet.ts';
export {
  type CaFiles,
  type CertificateFiles,
  createCa,
  createClientCertificate,
  createServerCertificate,
} from './pki.ts';
export {
  type ProxyFaults,
  type ProxyState,
  type SimulatedProxy,
  type SimulatedProxyOptions,
  startSimulatedProxy,
  type TlsOptions,
} from './proxy.ts';
