/**
 * What `npm run demo` needs on the machine, checked before anything starts, so a missing tool is one clear
 * line with the command that installs it instead of a stack trace halfway through start-up.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { crdModules } from '../control-plane.d/crds.ts';
import { CONTROL_PLANE_SOURCES } from '../control-plane.d/locations.ts';

export interface Missing {
  readonly what: string;
  readonly install: string;
}

export interface PrerequisiteReport {
  readonly missing: readonly Missing[];
  /** Things found, for the one-line announcement. */
  readonly found: readonly string[];
  /** Control-plane binaries and CRD modules not cached yet: the first start builds or fetches them (up to ~8 minutes). */
  readonly uncached: readonly string[];
}

/** The minimum Node major: type stripping of .ts files without flags. */
const NODE_MAJOR = 24;
/** Debian's Go lives outside the default PATH of non-login shells; build.sh looks there too. */
const EXTRA_GO_DIR = '/usr/local/go/bin';

/** An executable named `name` on PATH (plus `extraDirs`), or undefined. */
export function findExecutable(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  extraDirs: readonly string[] = [],
): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** The version a wrapper module requires of `module`, and the newest `go` directive of the wrapper modules. */
function pinned(goMod: string, module: string): { version: string | undefined; go: string | undefined } {
  const text = readFileSync(join(CONTROL_PLANE_SOURCES, 'go', goMod, 'go.mod'), 'utf8');
  const escaped = module.replaceAll('.', '\\.');
  return {
    version: new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(text)?.[1],
    go: /^go\s+(\S+)/m.exec(text)?.[1],
  };
}

/** `1.26.0` ≥ `1.24` etc., comparing numeric parts. */
export function versionAtLeast(actual: string, wanted: string): boolean {
  const a = actual.split('.').map(Number);
  const w = wanted.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, w.length); i++) {
    const x = a[i] ?? 0;
    const y = w[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Which control-plane artefacts the cache still lacks (binaries at the pinned versions, CRD modules). */
function uncachedControlPlaneParts(cacheRoot: string): { parts: string[]; minimumGo: string } {
  const kube = pinned('kube', 'k8s.io/kubernetes');
  const etcd = pinned('etcd', 'go.etcd.io/etcd/server/v3');
  const kwok = pinned('kwok', 'sigs.k8s.io/kwok');
  const parts: string[] = [];
  for (const binary of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'])
    if (!kube.version || !existsSync(join(cacheRoot, `k8s-${kube.version}`, 'bin', binary)))
      parts.push(`${binary} ${kube.version ?? ''}`.trim());
  if (!kwok.version || !existsSync(join(cacheRoot, `kwok-${kwok.version}`, 'bin', 'kwok')))
    parts.push(`kwok ${kwok.version ?? ''}`.trim());
  if (!etcd.version || !existsSync(join(cacheRoot, `etcd-${etcd.version}`, 'bin', 'etcd')))
    parts.push(`etcd ${etcd.version ?? ''}`.trim());
  for (const source of crdModules('experimental')) {
    if (!existsSync(join(cacheRoot, 'crds', `${source.name}@${source.version}`, '.complete')))
      parts.push(`CRDs ${source.module}@${source.version}`);
  }
  const gos = [kube.go, etcd.go, kwok.go].filter((v): v is string => v !== undefined);
  const minimumGo = gos.reduce((max, v) => (versionAtLeast(v, max) ? v : max), '1.0');
  return { parts, minimumGo };
}

function goVersion(goBinary: string): string | undefined {
  const result = spawnSync(goBinary, ['env', 'GOVERSION'], {
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local' },
  });
  return /^go(\d+(?:\.\d+)*)/.exec(result.stdout?.trim() ?? '')?.[1];
}

export interface PrerequisiteOptions {
  /** The control plane's binary and CRD cache. */
  readonly cacheRoot: string;
  /** @defaultValue process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where Go may be besides PATH. @defaultValue ['/usr/local/go/bin'] */
  readonly goDirs?: readonly string[];
  /** Whether this process may create network namespaces. @defaultValue running as root */
  readonly root?: boolean;
}

/** Checks Node, redis-server, openssl, a non-loopback IPv4 address, and Go when the control plane must be built. */
export function checkPrerequisites(options: PrerequisiteOptions): PrerequisiteReport {
  const { cacheRoot, env = process.env, goDirs = [EXTRA_GO_DIR], root = process.getuid?.() === 0 } = options;
  const missing: Missing[] = [];
  const found: string[] = [];

  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < NODE_MAJOR)
    missing.push({
      what: `Node ${NODE_MAJOR} or newer (this is ${process.versions.node})`,
      install: 'https://nodejs.org/en/download (or: nvm install 24)',
    });
  else found.push(`node ${process.versions.node}`);

  for (const [tool, install] of [
    ['redis-server', 'apt-get install -y redis-server   (macOS: brew install redis)'],
    ['openssl', 'apt-get install -y openssl   (macOS: brew install openssl)'],
  ] as const) {
    if (findExecutable(tool, env)) found.push(tool);
    else missing.push({ what: `${tool} on PATH`, install });
  }

  // Without root the demo still runs: on the static fallback fleet, which it announces at start.
  if (root) found.push('root (for the pod network namespace)');
  else
    found.push(
      'not root: static simulated proxies instead of pods (no ip netns; sudo -E npm run demo for pods)',
    );

  const { parts, minimumGo } = uncachedControlPlaneParts(cacheRoot);
  if (parts.length === 0) found.push('control-plane binaries cached');
  else {
    const go = findExecutable('go', env, goDirs);
    const version = go ? goVersion(go) : undefined;
    if (!go || !version || !versionAtLeast(version, minimumGo)) {
      missing.push({
        what: `Go ${minimumGo} or newer for the one-time build of ${parts.join(', ')} (${go ? `found ${version ?? 'an unreadable version'}` : 'no go on PATH or in /usr/local/go/bin'})`,
        install: `https://go.dev/doc/install — e.g. tar -C /usr/local -xzf go${minimumGo}.linux-amd64.tar.gz`,
      });
    } else found.push(`go ${version}`);
  }
  return { missing, found, uncached: parts };
}
