import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This folder: build.sh and the Go wrapper modules live here. */
export const CONTROL_PLANE_SOURCES = fileURLToPath(new URL('.', import.meta.url));
/** The repository root (kong-fleet's own CRDs are in deploy/crds there). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Where a control plane keeps its state (pids, ports, PKI, etcd data, kubeconfig, logs):
 * `$KONG_FLEET_CP_DIR`, else `${XDG_RUNTIME_DIR:-/tmp}/kong-fleet-control-plane`.
 * Tests point this at a temp dir so they never touch a developer's running instance.
 */
export function defaultRunDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KONG_FLEET_CP_DIR || join(env.XDG_RUNTIME_DIR || '/tmp', 'kong-fleet-control-plane');
}

/** Binaries and CRD downloads, kept across runs and keyed by version: `${XDG_CACHE_HOME:-~/.cache}/kong-fleet`. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'kong-fleet');
}
