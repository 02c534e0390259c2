/** Helpers for running `kong-fleet run` as a child process (tests, the demo, benchmarks). */

/** The environment without any KONG_FLEET_* setting, so only what the caller passes applies. */
export function withoutKongFleetSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('KONG_FLEET_')));
}

const LISTENING = /"address":"(http:\/\/[^"]+)","msg":"http server listening"/;

/** The controller's HTTP base URL, once its log says it listens (useful with --http-port 0). */
export function listeningAddress(log: string): string | undefined {
  return LISTENING.exec(log)?.[1];
}
