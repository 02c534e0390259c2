/** What the demo prints once everything runs: where to look and what to try. Pure. */
import { shellQuote } from '../../testing/shell-quote.ts';

export interface SummaryInput {
  /** Output of `kong-fleet status`. */
  readonly fleetTable: string;
  /** Output of `kubectl get proxyinstances`. */
  readonly proxyInstances: string;
  readonly namespace: string;
  /** The controller's base URL, e.g. http://127.0.0.1:40123. */
  readonly controllerUrl: string;
  readonly board: {
    readonly user: string;
    readonly password: string;
    readonly token: string;
    readonly tokenFile: string;
    readonly basicAuthFile: string;
  };
  readonly kubeconfig: string;
  /**
   * Folders to put first in PATH for the user's shell: the kubectl the demo built, and the Node.js 24
   * that scripts/toolchain installed when the system's node is older (the CLI needs type stripping).
   */
  readonly pathDirs: readonly string[];
  readonly redisUrl: string;
  /** The fault control API, e.g. http://127.0.0.1:40124. */
  readonly controlApiUrl: string;
  /** `pods` unless the demo fell back to static proxies (no pod network). @defaultValue 'pods' */
  readonly fleetMode?: 'pods' | 'static';
  /** The proxy pods: their admin, proxy and status URLs are pod IPs, routed from this machine. */
  readonly proxies: readonly {
    readonly name: string;
    readonly adminUrl: string;
    readonly proxyUrl: string;
    readonly statusUrl: string;
  }[];
  readonly driftIntervalSeconds: number;
  /** How to run the kong-fleet CLI from the user's shell, e.g. `node workers/main.ts`. */
  readonly cli: string;
  readonly controllerLog: string;
  readonly demoDir: string;
  /** Where `cli` works from. */
  readonly workingDir: string;
}

const indent = (text: string, by = '  ') =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => (line ? `${by}${line}` : line))
    .join('\n');

/** Commands with aligned `# comments`, indented. */
function commented(lines: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...lines.map(([command]) => command.length));
  return lines.map(([command, comment]) => `  ${command.padEnd(width)}   # ${comment}`);
}

export function renderSummary(s: SummaryInput): string {
  const exports = [
    `export KUBECONFIG=${shellQuote(s.kubeconfig)}`,
    ...(s.pathDirs.length > 0 ? [`export PATH=${s.pathDirs.map(shellQuote).join(':')}:"$PATH"`] : []),
    `export KONG_FLEET_REDIS_URL=${shellQuote(s.redisUrl)}`,
  ];
  const first = s.proxies[0];
  const name = first?.name ?? 'proxy-0';
  const proxy0 = `${s.controlApiUrl}/proxies/${name}`;
  const proxyRows = s.proxies.map((p) => [p.name, p.adminUrl, p.proxyUrl, p.statusUrl]);
  const widths = [0, 1, 2].map((i) =>
    Math.max(...[['POD', 'ADMIN', 'PROXY'], ...proxyRows].map((r) => r[i]!.length)),
  );
  const proxyTable = [['POD', 'ADMIN', 'PROXY', 'STATUS'], ...proxyRows].map((row) =>
    row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  '),
  );
  return [
    `Fleet (${s.cli} status):`,
    indent(s.fleetTable),
    '',
    `ProxyInstances (kubectl get proxyinstances -n ${s.namespace}):`,
    indent(s.proxyInstances),
    '',
    s.fleetMode === 'static'
      ? "Proxies (static simulated proxies on this machine's address: no pod network):"
      : 'Proxy pods (pod IPs, routed from this machine into the pod network):',
    indent(proxyTable.join('\n')),
    '',
    `Bull Board:  ${s.controllerUrl}/queues/`,
    `  basic auth: user ${s.board.user}, password ${s.board.password}   (${s.board.basicAuthFile})`,
    `  token:      Authorization: Bearer ${s.board.token}   (${s.board.tokenFile})`,
    `Metrics:     ${s.controllerUrl}/metrics`,
    `Fleet API:   ${s.controllerUrl}/api/proxies   ${s.controllerUrl}/api/drift-reports`,
    `Controller log: ${s.controllerLog}`,
    '',
    `Use the demo cluster and the CLI from another shell (in ${s.workingDir}):`,
    indent(exports.join('\n')),
    `  kubectl get ingress,httproutes,proxyinstances,proxyfleet -n ${s.namespace}`,
    `  ${s.cli} status`,
    '',
    `Break a proxy and watch drift repair it (checked every ${s.driftIntervalSeconds} s):`,
    ...commented([
      [`curl -s -X POST ${proxy0}/faults/restart`, 'config lost, as a restarted pod'],
      [`${s.cli} drift-report --since 1m`, `${name} drifted (empty), re-pushed, then in sync`],
      [`${s.cli} status`, 'back to Synced'],
      [`curl -s -X POST ${proxy0}/faults/down`, 'unreachable until /faults/up'],
      [`curl -s ${proxy0}`, 'what the pod reports: up, configurationHash, URLs'],
      ...(first
        ? ([
            [
              `curl -s -H 'Host: shop.example' ${first.proxyUrl}/`,
              "through the pod's data plane: key-auth's 401",
            ],
          ] as const)
        : []),
    ]),
    '',
    `State: ${s.demoDir} (removed on stop)`,
    'Ctrl-C to stop.',
  ].join('\n');
}
