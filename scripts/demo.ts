/**
 * `npm run demo`: the whole system on this machine with one command — a local Redis, a local control
 * plane (a cluster without kubelets), a Kong Deployment of 3 pods each served by a simulated Kong at its pod
 * IP (admin mTLS, proxy, status), the controller, the example
 * manifests — then a summary of where to look, until Ctrl-C stops everything and deletes the state.
 *
 *   node scripts/demo.ts        (state in $KONG_FLEET_DEMO_DIR, else ${XDG_RUNTIME_DIR:-/tmp}/kong-fleet-demo)
 *
 * Exit codes: 0 after a clean stop, 1 when start-up failed or the controller died, 2 when a prerequisite
 * is missing, 130 after a second Ctrl-C (everything killed at once).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { withoutKongFleetSettings } from '../testing/controller-process.ts';
import { kubectl } from './control-plane.d/kubectl.ts';
import { defaultCacheRoot } from './control-plane.d/locations.ts';
import { tailOf } from './control-plane.d/processes.ts';
import { CLI_ENTRY } from './demo/controller.ts';
import { checkPrerequisites } from './demo/prerequisites.ts';
import { DEMO, elapsed, type RunningDemo, startDemo } from './demo/start.ts';
import { defaultDemoDir, demoPaths, prepareDemoDir, removeDemoDir } from './demo/state-dir.ts';
import { renderSummary } from './demo/summary.ts';
import { Teardown } from './demo/teardown.ts';

const run = promisify(execFile);
const out = (line = '') => process.stdout.write(`${line}\n`);
/** `npm run demo` forwards the terminal's SIGINT to us although the terminal already sent it: one Ctrl-C, two signals. */
const DUPLICATE_SIGNAL_MS = 1000;
const LOG_TAIL_LINES = 30;

class Interrupted extends Error {
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

/** The fleet table exactly as a user's `kong-fleet status` prints it. */
async function fleetTable(redisUrl: string): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI_ENTRY, 'status'], {
    env: {
      ...withoutKongFleetSettings(process.env),
      KONG_FLEET_REDIS_URL: redisUrl,
      KONG_FLEET_QUEUE_PREFIX: DEMO.queuePrefix,
      KONG_FLEET_DRIFT_INTERVAL: `${DEMO.driftIntervalSeconds}s`,
    },
  });
  return stdout;
}

async function summary(demo: RunningDemo, paths: ReturnType<typeof demoPaths>): Promise<string> {
  const [table, instances] = await Promise.all([
    fleetTable(demo.redis.url),
    kubectl(['get', 'proxyinstances', '-n', DEMO.namespace], {
      kubectl: demo.controlPlane.kubectl,
      kubeconfig: demo.controlPlane.kubeconfig,
    }),
  ]);
  return renderSummary({
    fleetTable: table,
    proxyInstances: instances,
    namespace: DEMO.namespace,
    controllerUrl: demo.controller.baseUrl,
    board: demo.board,
    kubeconfig: demo.controlPlane.kubeconfig,
    pathDirs: [demo.controlPlane.builtKubectlDir, process.env.KONG_FLEET_TOOLCHAIN_NODE_DIR].filter(
      (dir): dir is string => Boolean(dir),
    ),
    redisUrl: demo.redis.url,
    controlApiUrl: demo.controlApi.url,
    fleetMode: demo.fleet.mode,
    proxies: demo.fleet
      .running()
      .map(({ id, adminUrl, proxyUrl = '-', statusUrl = '-' }) => ({
        name: id,
        adminUrl,
        proxyUrl,
        statusUrl,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    driftIntervalSeconds: DEMO.driftIntervalSeconds,
    cli: `node ${relative(process.cwd(), CLI_ENTRY) || CLI_ENTRY}`,
    controllerLog: paths.controllerLog,
    demoDir: paths.root,
    workingDir: process.cwd(),
  });
}

const whenAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

async function main(): Promise<number> {
  const paths = demoPaths(resolve(defaultDemoDir()));
  const cacheRoot = defaultCacheRoot();
  out(`kong-fleet demo (state in ${paths.root})`);

  const checked = performance.now();
  const prerequisites = checkPrerequisites({ cacheRoot });
  if (prerequisites.missing.length > 0) {
    out('  ✗ prerequisites missing:');
    for (const missing of prerequisites.missing)
      out(`      ${missing.what}\n        install: ${missing.install}`);
    return 2;
  }
  out(`  ✓ prerequisites: ${prerequisites.found.join(', ')} (${elapsed(checked)})`);
  const prepared = performance.now();
  try {
    if ((await prepareDemoDir(paths)) === 'cleaned')
      out(`  ✓ cleaned up after an earlier demo that did not stop (${elapsed(prepared)})`);
  } catch (err) {
    out(`  ✗ ${(err as Error).message}`);
    return 1;
  }

  const teardown = new Teardown();
  const interrupt = new AbortController();
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupt.signal.aborted) {
      firstSignalAt = Date.now();
      out(`\n${signal}: stopping (Ctrl-C again to kill everything at once)`);
      interrupt.abort(new Interrupted(signal));
      return;
    }
    if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
    teardown.killAll();
    rmSync(paths.root, { recursive: true, force: true });
    out('killed everything; stopped');
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode = 0;
  try {
    const demo = await startDemo({
      paths,
      cacheRoot,
      uncached: prerequisites.uncached,
      teardown,
      signal: interrupt.signal,
      out,
    });
    out(`\n${await summary(demo, paths)}`);
    const controllerExit = new Promise<string>((resolve) => {
      const child = demo.controller.process;
      if (child.exitCode !== null || child.signalCode !== null)
        resolve(String(child.exitCode ?? child.signalCode));
      else child.once('exit', (code, signal) => resolve(String(code ?? signal)));
    });
    const ended = await Promise.race([whenAborted(interrupt.signal).then(() => undefined), controllerExit]);
    if (ended !== undefined && !interrupt.signal.aborted) {
      out(`\nthe controller exited (${ended}); last ${LOG_TAIL_LINES} lines of ${paths.controllerLog}:`);
      out(tailOf(paths.controllerLog, LOG_TAIL_LINES));
      exitCode = 1;
    }
  } catch (err) {
    if (!interrupt.signal.aborted) {
      exitCode = 1;
      out(`\ndemo start-up failed: ${(err as Error).message}`);
      if (tailOf(paths.controllerLog, 1) !== '(no log)') {
        out(`last ${LOG_TAIL_LINES} lines of the controller log (${paths.controllerLog}):`);
        out(tailOf(paths.controllerLog, LOG_TAIL_LINES));
      }
    }
  }

  if (!interrupt.signal.aborted) out('stopping');
  await teardown.run((name, ms, err) =>
    out(
      err === undefined
        ? `  ✓ stopped ${name} (${(ms / 1000).toFixed(1)} s)`
        : `  ✗ could not stop ${name} cleanly: ${(err as Error).message}`,
    ),
  );
  await removeDemoDir(paths).catch((err) =>
    out(`  could not remove ${paths.root}: ${(err as Error).message}`),
  );
  out('stopped');
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
