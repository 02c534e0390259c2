import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY } from '../helpers/cli.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubeconfigPath, kubectl, kubectlApply } from '../helpers/kube.ts';
import { waitForConvergence } from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';
import { redisUrl } from '../helpers/redis.ts';

const run = promisify(execFile);
const DOCS = new URL('../../docs/', import.meta.url).pathname;

/** Every fenced block marked `sh runnable` in docs/, with where it is. */
async function runnableBlocks(): Promise<{ where: string; script: string }[]> {
  const blocks: { where: string; script: string }[] = [];
  for (const page of (await readdir(DOCS)).filter((f) => f.endsWith('.md')).sort()) {
    const text = await readFile(join(DOCS, page), 'utf8');
    for (const match of text.matchAll(/^```sh runnable\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, match.index).split('\n').length;
      blocks.push({ where: `docs/${page}:${line}`, script: match[1]! });
    }
  }
  return blocks;
}

// The docs' commands run as an operator would type them: kubectl with the controller's namespace as the
// current one, and a `kong-fleet` CLI with the controller's settings in the environment, against a real
// cluster, Redis, a controller and a fleet that has converged on a build.
describe('the commands in docs/ run', () => {
  const h = pipelineHarness('docs');
  let env: Record<string, string>;
  beforeAll(async () => {
    await h.startController();
    await kubectlApply(`
apiVersion: v1
kind: Service
metadata: { name: docs, namespace: ${h.namespace} }
spec: { ports: [{ name: http, port: 80 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: docs, namespace: ${h.namespace} }
spec:
  ingressClassName: kong
  rules:
    - host: docs.example
      http: { paths: [{ path: /docs, pathType: Prefix, backend: { service: { name: docs, port: { number: 80 } } } }] }
`);
    await waitForConvergence(h.prefix, h.proxies());
    // The fleet as the docs describe it: the proxies' hashes alone are not enough, the ProxyInstances and the
    // ProxyFleet summary the commands read are written by later jobs (on a loaded CI run the jsonpath
    // blocks ran before them and printed nothing).
    await eventually(
      async () => {
        const summary = await kubectl([
          'get',
          'proxyfleet',
          '-n',
          h.namespace,
          '-o',
          'jsonpath={.items[0].status.summary}',
        ]);
        const instances = await kubectl([
          'get',
          'proxyinstances',
          '-n',
          h.namespace,
          '-o',
          'jsonpath={.items[*].status.state}',
        ]);
        return summary.trim() !== '' && instances.trim().split(/\s+/).length === h.proxies().length;
      },
      { timeoutMs: 60_000, description: 'the ProxyFleet summary and a state on every ProxyInstance' },
    );
    const dir = await mkdtemp(join(tmpdir(), 'kf-docs-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await copyFile(kubeconfigPath(), kubeconfig);
    await run('kubectl', ['config', 'set-context', '--current', `--namespace=${h.namespace}`], {
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    const cli = join(dir, 'kong-fleet');
    await writeFile(cli, `#!/bin/sh\nexec "${process.execPath}" "${CLI_ENTRY}" "$@"\n`);
    await chmod(cli, 0o755);
    env = {
      ...(process.env as Record<string, string>),
      PATH: `${dir}:${process.env.PATH}`,
      KUBECONFIG: kubeconfig,
      KONG_FLEET_REDIS_URL: redisUrl(),
      KONG_FLEET_QUEUE_PREFIX: h.prefix,
      KONG_FLEET_ADMIN_TLS_CERT: h.fleet.clientFiles.cert,
      KONG_FLEET_ADMIN_TLS_KEY: h.fleet.clientFiles.key,
      KONG_FLEET_ADMIN_TLS_CA: h.fleet.clientFiles.ca,
    };
  });

  it('finds runnable blocks in the runbook and the other pages', async () => {
    const blocks = await runnableBlocks();
    expect(blocks.filter((b) => b.where.startsWith('docs/runbook.md')).length).toBeGreaterThanOrEqual(8);
  });

  it('every `sh runnable` block exits 0 and says something', async () => {
    const failures: string[] = [];
    for (const { where, script } of await runnableBlocks()) {
      try {
        const { stdout, stderr } = await run('bash', ['-eo', 'pipefail', '-c', script], {
          env,
          timeout: 60_000,
        });
        // kubectl says "No resources found" on stderr when a healthy fleet has no such Event.
        if (`${stdout}${stderr}`.trim() === '') failures.push(`${where}: printed nothing`);
      } catch (error) {
        const e = error as { code?: number; stderr?: string; stdout?: string };
        failures.push(`${where}: exit ${e.code}\n${script}\n${e.stderr ?? ''}${e.stdout ?? ''}`);
      }
    }
    expect(failures).toEqual([]);
    // The namespace really was the controller's: the fleet's objects were there to be listed.
    expect(await kubectl(['get', 'proxyinstances', '-n', h.namespace, '-o', 'name'])).toContain(
      'proxyinstance',
    );
  });
});
