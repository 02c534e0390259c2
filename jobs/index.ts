import type { AnyJobDefinition } from '../queue/define-job.ts';
import { buildConfig } from './build.ts';
import { driftCheck } from './drift-check.ts';
import { gatewayStatus } from './gateway-status.ts';
import { ingressStatus } from './ingress-status.ts';
import { podReadiness } from './pod-readiness.ts';
import type { PipelineDeps } from './ports.ts';
import { propagationStatus } from './propagation-status.ts';
import { fleetStatus, proxyStatus } from './proxy-status.ts';
import { pushConfig } from './push.ts';
import { rolloutTick } from './rollout.ts';
import { trafficScrape } from './traffic-scrape.ts';

/**
 * Every job type of the controller, in one explicit list: the runtime starts a worker for each job
 * whose role the process has, and installs the schedules of the scheduled ones.
 */
export const jobs: readonly AnyJobDefinition<PipelineDeps>[] = [
  buildConfig,
  pushConfig,
  driftCheck,
  proxyStatus,
  fleetStatus,
  ingressStatus,
  gatewayStatus,
  trafficScrape,
  rolloutTick,
  propagationStatus,
  podReadiness,
];
