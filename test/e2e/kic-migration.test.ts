/**
 * Issue 15's proof: from KIC to kong-fleet, and back, without a failed request.
 *
 * Proxies are the harness's Kong pods (simulated Kong at each pod IP, data plane included); backends are
 * the harness's echo pods. "KIC" is this test: it loads every proxy with KIC's own output for a set of
 * inputs (KIC's golden outputs, read from shared/conformance/kic-golden at test time), sent the way KIC
 * sends it (`POST /config?check_hash=1&flatten_errors=1`, the config inline as JSON with `_format_version`).
 * The goldens were made from objects without uid and without endpoints; in a cluster KIC tags each entity
 * `k8s-uid:<uid>` and renders the EndpointSlice's addresses as each upstream's
 * `targets: [{ target: ip:port }]` (as in its kong-service-facade goldens), which the test adds.
 *
 * Helm manages the release's Kubernetes objects (the chart's Deployment, RBAC, Secrets, …) with the run's
 * Helm from the cache. KWOK pods do not run processes, so the controller replicas run on the host, the way
 * the harness runs controllers, each started from the release's rendered controller container environment
 * (`helm get manifest` → env; file paths of the mounted Secrets mapped to the same material on the host,
 * the storage key ring taken from the release's Secret). A `helm upgrade` or `helm rollback` is followed by
 * the rolling restart the Deployment would do: one new replica up, one old one stopped, twice (the leader
 * among them, so leadership moves).
 */

import { readFile, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { KIC_GOLDEN_DIR, KIC_GOLDEN_MISSING } from '../../testing/kic-golden.ts';
import { type BackendPods, startBackendPods } from '../../testing/pods/backend-pods.ts';
import { runCli } from '../helpers/cli.ts';
import { podNetwork } from '../helpers/cluster.ts';
import { type RequestTarget, startContinuousRequests } from '../helpers/continuous-requests.ts';
import { type ControllerProcess, startController } from '../helpers/controller.ts';
import { eventually } from '../helpers/eventually.ts';
import { CHART_DIR, helm } from '../helpers/helm.ts';
import { kubeConfig, kubeconfigPath, kubectl, kubectlApply } from '../helpers/kube.ts';
import { desiredHash, entities, servedConfig, waitForConvergence } from '../helpers/pipeline.ts';
import { pipelineHarness } from '../helpers/pipeline-harness.ts';
import { redisUrl } from '../helpers/redis.ts';

/** KIC's goldens loaded together: their inputs share one namespace and one Service without conflict. */
const GOLDENS = ['ingress-v1-single-service-in-multiple-ingresses', 'ingress-v1-regex-prefixed-path'];
const INPUT_NAMESPACE = 'foo-namespace';
/** One request (host, path) per route of the goldens; foo and foo-2 share theirs. */
const ROUTE_REQUESTS = [
  { route: 'foo, foo-2', host: 'example.com', path: '/' },
  { route: 'regex-prefix', host: 'example.com', path: '/foo/123' },
];
const PROXIES = 3;
const CONTROLLERS = 2;
const RELEASE = 'kong-fleet';
const ADDED_ROUTE = 'foo-namespace.foo-3.foo-svc.added.example.com.80';

type Entity = Record<string, unknown>;
type KongConfig = { _format_version: string; services: Entity[]; upstreams: Entity[] };

/**
 * The goldens' objects had no uid; in a cluster they do, and KIC's GenerateTagsForObject then tags each
 * entity `k8s-uid:<uid>` right after `k8s-kind:`. Adds that tag from the live objects' uids.
 */
function withUidTags(entity: Entity, uids: ReadonlyMap<string, string>): void {
  const tags = entity.tags as string[] | undefined;
  if (tags) {
    const value = (prefix: string) => tags.find((tag) => tag.startsWith(prefix))?.slice(prefix.length);
    const uid = uids.get(`${value('k8s-kind:')}/${value('k8s-name:')}`);
    if (uid) tags.splice(tags.findIndex((tag) => tag.startsWith('k8s-kind:')) + 1, 0, `k8s-uid:${uid}`);
  }
  for (const child of (entity.routes as Entity[] | undefined) ?? []) withUidTags(child, uids);
}

/** KIC's output for the goldens' inputs with the backend's EndpointSlice: the goldens merged, uid tags and targets added. */
async function kicOutput(target: string, uids: ReadonlyMap<string, string>): Promise<KongConfig> {
  const merged: KongConfig = { _format_version: '3.0', services: [], upstreams: [] };
  for (const name of GOLDENS) {
    const golden = parse(
      await readFile(join(KIC_GOLDEN_DIR!, name, 'default_golden.yaml'), 'utf8'),
    ) as KongConfig;
    for (const service of golden.services) {
      const known = merged.services.find((s) => s.name === service.name);
      if (known) (known.routes as Entity[]).push(...(service.routes as Entity[]));
      else merged.services.push(structuredClone(service));
    }
    for (const upstream of golden.upstreams) {
      if (!merged.upstreams.some((u) => u.name === upstream.name))
        merged.upstreams.push({ ...structuredClone(upstream), targets: [{ target }] });
    }
  }
  for (const entity of [...merged.services, ...merged.upstreams]) withUidTags(entity, uids);
  return merged;
}

/** What `kubectl apply` gets: the goldens' inputs (each Service once). */
async function goldenInputs(): Promise<string> {
  const seen = new Set<string>();
  const docs: string[] = [];
  for (const name of GOLDENS) {
    const text = await readFile(join(KIC_GOLDEN_DIR!, name, 'in.yaml'), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const object = doc.toJS() as { kind: string; metadata: { name: string } } | null;
      if (!object) continue;
      const id = `${object.kind}/${object.metadata.name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      docs.push(stringify(object));
    }
  }
  return docs.join('---\n');
}

if (!KIC_GOLDEN_DIR) console.log(KIC_GOLDEN_MISSING);

describe.skipIf(!podNetwork() || !KIC_GOLDEN_DIR)(
  'migrating from KIC without a failed request (issue 15)',
  () => {
    const h = pipelineHarness('kic-migration', PROXIES);
    let backends: BackendPods;
    let kicText: string;
    let valuesDir: string;
    let controllers: ControllerProcess[] = [];
    let serial = 0;

    /** KIC's push: the config inline as a JSON string in `config`, hash checked, errors flattened. */
    async function pushLikeKic(proxy: { id: string; adminUrl: string }, text: string): Promise<number> {
      const [cert, key, ca] = await Promise.all(
        [h.fleet.clientFiles.cert, h.fleet.clientFiles.key, h.fleet.clientFiles.ca].map((f) => readFile(f)),
      );
      const body = JSON.stringify({ config: text });
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          `${proxy.adminUrl}/config?check_hash=1&flatten_errors=1`,
          {
            method: 'POST',
            cert,
            key,
            ca,
            servername: h.serverName,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            timeout: 20_000,
          },
          (res) => {
            let answer = '';
            res.on('data', (chunk: Buffer) => {
              answer += chunk.toString();
            });
            res.on('end', () =>
              res.statusCode === 201 || res.statusCode === 200
                ? resolve(res.statusCode)
                : reject(new Error(`POST /config on ${proxy.id}: ${res.statusCode} ${answer.slice(0, 500)}`)),
            );
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
      });
    }

    /** Every entity's id on every proxy, by collection and name (targets by upstream and address). */
    async function idsOnProxies(): Promise<Record<string, Record<string, string>>> {
      const result: Record<string, Record<string, string>> = {};
      for (const proxy of h.proxies()) {
        const config = await servedConfig(h.client, proxy, h.serverName);
        const ids: Record<string, string> = {};
        for (const collection of ['services', 'routes', 'upstreams', 'targets']) {
          for (const entity of entities(config, collection)) {
            const name = String(entity.name ?? `${entity.upstream}/${entity.target}`);
            ids[`${collection}/${name}`] = String(entity.id);
          }
        }
        result[proxy.id] = ids;
      }
      return result;
    }

    /** The release's controller container environment, as the host processes get it. */
    async function releaseEnv(): Promise<Record<string, string>> {
      const { stdout } = await helm(['get', 'manifest', RELEASE, `--namespace=${h.namespace}`]);
      const objects = parseAllDocuments(stdout, { version: '1.1' }).map((doc) => doc.toJS()) as {
        kind: string;
        metadata: { name: string };
        data?: Record<string, string>;
        spec?: {
          template?: { spec?: { containers?: { name: string; env?: { name: string; value?: string }[] }[] } };
        };
      }[];
      const controller = objects.find(
        (o) =>
          o.kind === 'Deployment' && o.spec?.template?.spec?.containers?.some((c) => c.name === 'controller'),
      );
      const container = controller?.spec?.template?.spec?.containers?.find((c) => c.name === 'controller');
      if (!container?.env) throw new Error('the release has no controller Deployment with an environment');
      const storageKey = objects.find((o) => o.kind === 'Secret' && o.metadata.name.endsWith('-storage-key'));
      const keyFile = join(valuesDir, `storage-key-${serial}`);
      await writeFile(keyFile, Buffer.from(storageKey?.data?.keys ?? '', 'base64'), { mode: 0o600 });
      // The chart mounts these Secrets at these paths; on the host the same material is in these files.
      const files: Record<string, string> = {
        '/etc/kong-fleet/admin-tls/tls.crt': h.fleet.clientFiles.cert,
        '/etc/kong-fleet/admin-tls/tls.key': h.fleet.clientFiles.key,
        '/etc/kong-fleet/admin-tls/ca.crt': h.fleet.clientFiles.ca,
        '/etc/kong-fleet/storage-key/keys': keyFile,
      };
      const env: Record<string, string> = {};
      for (const { name, value } of container.env) {
        if (!name.startsWith('KONG_FLEET_') || value === undefined) continue;
        env[name] = files[value] ?? value.replaceAll('$(POD_NAMESPACE)', h.namespace);
      }
      return {
        ...env,
        // Host processes: any free port on loopback, the run's kubeconfig (no in-cluster token here).
        KONG_FLEET_HTTP_PORT: '0',
        KONG_FLEET_HTTP_HOST: '127.0.0.1',
        KONG_FLEET_KUBECONFIG: kubeconfigPath(),
        KONG_FLEET_NAMESPACE: h.namespace,
      };
    }

    async function startReplica(env: Record<string, string>): Promise<ControllerProcess> {
      serial += 1;
      return startController({
        namespace: h.namespace,
        prefix: h.prefix,
        // Several Node processes start on a busy 2-core machine here.
        startTimeoutMs: 90_000,
        env: { ...env, POD_NAME: `${RELEASE}-controller-${serial}` } as Record<string, string>,
      });
    }

    /** What the Deployment's rolling update does: one new replica up, then one old one down, per replica. */
    async function rollingRestart(during?: () => Promise<void>) {
      const env = await releaseEnv();
      for (let i = 0; i < controllers.length; i++) {
        const fresh = await startReplica(env);
        if (i === 0 && during) await during();
        const old = controllers[i]!;
        controllers[i] = fresh;
        expect(await old.stop()).toBe(0);
      }
    }

    async function leaseHolder(): Promise<string> {
      const lease = JSON.parse(
        await kubectl(['get', 'lease', 'kong-fleet-leader', `--namespace=${h.namespace}`, '-o', 'json']),
      ) as { spec?: { holderIdentity?: string } };
      return lease.spec?.holderIdentity ?? '';
    }

    async function proxyFleet(): Promise<{
      spec: { mode?: string };
      status?: {
        mode?: string;
        conditions?: { type: string; status: string; reason: string; message: string }[];
      };
    }> {
      return JSON.parse(
        await kubectl(['get', 'proxyfleet', 'default', `--namespace=${h.namespace}`, '-o', 'json']),
      );
    }

    const condition = async (type: string) =>
      (await proxyFleet()).status?.conditions?.find((c) => c.type === type);

    const helmValues = async (name: string, values: object) => {
      const file = join(valuesDir, `${name}.yaml`);
      await writeFile(file, stringify(values));
      return file;
    };

    beforeAll(async () => {
      valuesDir = join(kubeconfigPath(), '..');
      // The goldens' namespace, its echo backend (a pod the harness serves) and the goldens' inputs.
      await kubectl(['create', 'namespace', INPUT_NAMESPACE]).catch((err: Error) => {
        if (!/AlreadyExists/.test(err.message)) throw err;
      });
      backends = await startBackendPods({
        kubeConfig: kubeConfig(),
        namespace: INPUT_NAMESPACE,
        podNetwork: podNetwork()!,
      });
      await kubectlApply(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: foo-backend, namespace: ${INPUT_NAMESPACE} }
spec:
  replicas: 1
  selector: { matchLabels: { app: foo-backend } }
  template:
    metadata: { labels: { app: foo-backend, app.kubernetes.io/component: backend } }
    spec:
      containers: [{ name: echo, image: echo:test, ports: [{ name: http, containerPort: 8080 }] }]
`);
      const backend = await eventually(
        async () => {
          await backends.settled();
          return backends.running()[0];
        },
        { timeoutMs: 60_000, description: 'the echo backend pod serving' },
      );
      await kubectlApply(await goldenInputs());
      // foo-svc selects nothing in the goldens: its endpoints are this slice (what KIC turns into targets).
      await kubectlApply(`
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: foo-svc-1, namespace: ${INPUT_NAMESPACE}, labels: { kubernetes.io/service-name: foo-svc } }
addressType: IPv4
ports: [{ name: "", port: ${backend.port}, protocol: TCP }]
endpoints: [{ addresses: [${backend.address}], conditions: { ready: true } }]
`);
      const live = JSON.parse(
        await kubectl(['get', 'ingresses,services', `--namespace=${INPUT_NAMESPACE}`, '-o', 'json']),
      ) as { items: { kind: string; metadata: { name: string; uid: string } }[] };
      const uids = new Map(
        live.items.map((item) => [`${item.kind}/${item.metadata.name}`, item.metadata.uid]),
      );
      kicText = JSON.stringify(await kicOutput(`${backend.address}:${backend.port}`, uids));
      // KIC, as an operator has it: a Deployment the instructions scale to 0 after the takeover.
      await kubectlApply(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: kong-controller, namespace: ${h.namespace} }
spec:
  replicas: 1
  selector: { matchLabels: { app: kong-controller } }
  template:
    metadata: { labels: { app: kong-controller } }
    spec:
      containers: [{ name: ingress-controller, image: "kong/kubernetes-ingress-controller:3.4" }]
`);
      await kubectl([
        'create',
        'secret',
        'generic',
        'kong-fleet-client-tls',
        `--namespace=${h.namespace}`,
        `--from-file=tls.crt=${h.fleet.clientFiles.cert}`,
        `--from-file=tls.key=${h.fleet.clientFiles.key}`,
        `--from-file=ca.crt=${h.fleet.clientFiles.ca}`,
      ]);
    }, 180_000);

    afterEach((context) => {
      if (context.task.result?.state !== 'fail') return;
      for (const controller of controllers)
        console.log(
          `controller log:\n${controller.stdout().slice(-15_000)}\n${controller.stderr().slice(-5000)}`,
        );
    });

    afterAll(async () => {
      await Promise.all(controllers.map((controller) => controller.stop()));
      await backends?.stop();
    });

    it('shadow → diff clean → takeover → helm upgrade with a change → helm rollback → back to KIC', async () => {
      // 1. KIC's output on every proxy; traffic to every route of it through every proxy.
      for (const proxy of h.proxies()) await pushLikeKic(proxy, kicText);
      const targets: RequestTarget[] = h.proxies().flatMap((proxy) =>
        ROUTE_REQUESTS.map(({ route, host, path }) => ({
          label: `${proxy.id} ${route}`,
          baseUrl: proxy.proxyUrl!,
          host,
          path,
        })),
      );
      const load = startContinuousRequests(targets, { periodMs: 50 });
      await eventually(() => load.total() >= targets.length * 3, {
        timeoutMs: 30_000,
        description: 'first requests',
      });
      expect(load.failures(), 'KIC config serves every route').toEqual([]);
      const kicIds = await idsOnProxies();
      const pushesByKic = await Promise.all(h.proxies().map(async (p) => (await p.state()).configPushes));

      // 2. helm install in shadow mode.
      const shadowValues = {
        redis: { mode: 'external', external: { url: redisUrl() } },
        proxy: { enabled: false },
        adminTLS: { source: 'existingSecrets', existingSecrets: { client: 'kong-fleet-client-tls' } },
        controller: {
          replicaCount: CONTROLLERS,
          adminService: `${h.namespace}/${h.fleet.serviceName}`,
          env: {
            fleet_mode: 'shadow',
            watch_namespaces: INPUT_NAMESPACE,
            queue_prefix: h.prefix,
            drift_interval: '2s',
            push_backoff_cap: '2s',
          },
        },
      };
      const installFile = await helmValues('shadow', shadowValues);
      await helm(
        [
          'install',
          RELEASE,
          CHART_DIR,
          `--namespace=${h.namespace}`,
          '-f',
          installFile,
          '--wait',
          '--timeout=120s',
        ],
        {
          timeoutMs: 150_000,
        },
      );
      const env = await releaseEnv();
      expect(env.KONG_FLEET_FLEET_MODE).toBe('shadow');
      controllers = [];
      for (let i = 0; i < CONTROLLERS; i++) controllers.push(await startReplica(env));

      // 3. The diff: clean, on the condition and in the CLI; kong-fleet pushed nothing.
      const clean = await eventually(
        async () => {
          const found = await condition('ShadowDiffClean');
          if (found?.status !== 'True') throw new Error(`ShadowDiffClean: ${JSON.stringify(found)}`);
          return found;
        },
        { timeoutMs: 90_000, intervalMs: 500, description: 'ShadowDiffClean=True on the ProxyFleet' },
      );
      expect(clean.message).toContain(`${PROXIES}/${PROXIES} proxies run what kong-fleet would push`);
      const cliEnv = { ...env, KONG_FLEET_REDIS_URL: redisUrl() };
      const diff = await runCli(['shadow', 'diff', '--json'], cliEnv);
      expect(diff.code, diff.stderr).toBe(0);
      expect((JSON.parse(diff.stdout) as { report: { clean: boolean } }).report.clean).toBe(true);
      expect(await Promise.all(h.proxies().map(async (p) => (await p.state()).configPushes))).toEqual(
        pushesByKic,
      );

      // 4. A proxy that differs (KIC pushed it something else) makes the takeover refused, by the CLI and by
      //    the controller when spec.mode is switched by hand.
      const odd = h.proxies()[0]!;
      const changed = JSON.parse(kicText) as KongConfig;
      changed.services[0]!.retries = 6;
      await pushLikeKic(odd, JSON.stringify(changed));
      const differs = await eventually(
        async () => {
          const found = await condition('ShadowDiffClean');
          return found?.status === 'False' ? found : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, description: 'ShadowDiffClean=False naming the difference' },
      );
      expect(differs.message).toContain(`${odd.id}: ~ services foo-namespace.foo-svc.80 (retries)`);
      const refused = await runCli(['shadow', 'takeover'], cliEnv);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('refused');
      await kubectl([
        'patch',
        'proxyfleet',
        'default',
        `--namespace=${h.namespace}`,
        '--type=merge',
        '-p',
        '{"spec":{"mode":"active"}}',
      ]);
      const refusal = await eventually(
        async () => {
          const found = await condition('Takeover');
          return found?.reason === 'RefusedShadowDiffNotClean' ? found : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, description: 'Takeover refused on the ProxyFleet' },
      );
      expect(refusal.message).toContain('retries');
      expect((await odd.state()).configPushes).toBe(pushesByKic[0]! + 1);

      // 5. KIC puts it right; the takeover asked for above now goes through: kong-fleet pushes.
      await pushLikeKic(odd, kicText);
      await eventually(async () => (await condition('Takeover'))?.status === 'True', {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: 'Takeover=True',
      });
      expect((await proxyFleet()).status?.mode).toBe('active');
      const takenOver = await waitForConvergence(h.prefix, h.proxies(), { timeoutMs: 60_000 });
      // Every proxy got kong-fleet's push (the same entities; the config text may differ from KIC's).
      const pushesAfter = await Promise.all(h.proxies().map(async (p) => (await p.state()).configPushes));
      expect(pushesAfter.every((count, i) => count > pushesByKic[i]!)).toBe(true);
      expect(await idsOnProxies()).toEqual(kicIds);
      // The instructions: KIC to 0.
      await kubectl(['scale', 'deployment/kong-controller', `--namespace=${h.namespace}`, '--replicas=0']);

      // 6. helm upgrade to a changed values file: rolling restart, leadership moves, and a change made during
      //    it reaches every proxy.
      const leaderBefore = await leaseHolder();
      const upgradeFile = await helmValues('upgrade', {
        ...shadowValues,
        controller: {
          ...shadowValues.controller,
          env: { ...shadowValues.controller.env, log_level: 'debug', drift_interval: '3s' },
        },
      });
      await helm(
        [
          'upgrade',
          RELEASE,
          CHART_DIR,
          `--namespace=${h.namespace}`,
          '-f',
          upgradeFile,
          '--wait',
          '--timeout=120s',
        ],
        {
          timeoutMs: 150_000,
        },
      );
      await rollingRestart(() =>
        kubectlApply(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: foo-3, namespace: ${INPUT_NAMESPACE} }
spec:
  ingressClassName: kong
  rules:
    - host: added.example.com
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: foo-svc, port: { number: 80 } } } }]
`).then(() => undefined),
      );
      expect(env.KONG_FLEET_LOG_LEVEL).not.toBe('debug');
      expect((await releaseEnv()).KONG_FLEET_LOG_LEVEL).toBe('debug');
      const withChange = await waitForConvergence(h.prefix, h.proxies(), {
        timeoutMs: 90_000,
        notHash: takenOver,
      });
      for (const proxy of h.proxies()) {
        const routes = entities(await servedConfig(h.client, proxy, h.serverName), 'routes').map(
          (r) => r.name,
        );
        expect(routes, proxy.id).toContain(ADDED_ROUTE);
      }
      const leaderAfter = await eventually(
        async () => {
          const holder = await leaseHolder();
          return holder && holder !== leaderBefore ? holder : undefined;
        },
        { timeoutMs: 60_000, description: 'a new leader' },
      );
      expect(leaderAfter).toMatch(new RegExp(`^${RELEASE}-controller-`));
      // The change is undone, so what follows runs KIC's inputs again.
      await kubectl(['delete', 'ingress', 'foo-3', `--namespace=${INPUT_NAMESPACE}`]);
      await waitForConvergence(h.prefix, h.proxies(), { timeoutMs: 90_000, notHash: withChange });

      // 7. helm rollback to the install's values: the same rolling restart, no failed request.
      await helm(['rollback', RELEASE, '1', `--namespace=${h.namespace}`, '--wait', '--timeout=120s'], {
        timeoutMs: 150_000,
      });
      await rollingRestart();
      expect((await releaseEnv()).KONG_FLEET_LOG_LEVEL).toBe(env.KONG_FLEET_LOG_LEVEL);
      const afterRollback = await desiredHash(h.prefix);
      await waitForConvergence(h.prefix, h.proxies(), { timeoutMs: 60_000 });

      // 8. Back to KIC: kong-fleet hands back (stops pushing), KIC is scaled up and pushes its config again.
      const handback = await runCli(['shadow', 'handback'], cliEnv);
      expect(handback.code, handback.stderr).toBe(0);
      await eventually(async () => (await proxyFleet()).status?.mode === 'shadow', {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: 'status.mode shadow after the handback',
      });
      await kubectl(['scale', 'deployment/kong-controller', `--namespace=${h.namespace}`, '--replicas=1']);
      for (const proxy of h.proxies()) await pushLikeKic(proxy, kicText);
      expect(await idsOnProxies()).toEqual(kicIds);
      // A change kong-fleet builds after the handback is reported, not pushed: KIC's config stays.
      const pushesByKicAgain = await Promise.all(
        h.proxies().map(async (p) => (await p.state()).configPushes),
      );
      await kubectl([
        'annotate',
        'ingress',
        'foo',
        `--namespace=${INPUT_NAMESPACE}`,
        'konghq.com/strip-path=true',
      ]);
      const reported = await eventually(
        async () => {
          const found = await condition('ShadowDiffClean');
          return found?.status === 'False' && found.message.includes('strip_path') ? found : undefined;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 500,
          description: 'the shadow diff naming strip_path after the handback',
        },
      );
      expect(reported.message).toContain('~ routes foo-namespace.foo.foo-svc.example.com.80 (strip_path)');
      expect(await Promise.all(h.proxies().map(async (p) => (await p.state()).configPushes))).toEqual(
        pushesByKicAgain,
      );
      expect(await idsOnProxies()).toEqual(kicIds);
      expect(afterRollback).toBeDefined();

      const { total, failures, seconds } = await load.stop();
      const rate = total / seconds;
      console.log(
        `kic-migration: ${total} requests in ${seconds.toFixed(1)} s (${rate.toFixed(1)}/s) through ${PROXIES} proxies to ${ROUTE_REQUESTS.length} routes each, ${failures.length} failed`,
        failures.slice(0, 20),
      );
      expect(failures).toEqual([]);
      expect(rate).toBeGreaterThanOrEqual(50);
    }, 900_000);
  },
);
