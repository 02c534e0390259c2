/**
 * The burst of changes a scenario applies, and the check that every proxy serves all of them. A change
 * is one KongConsumer created or updated (its custom_id names the round that wrote it, and is unique as
 * Kong requires); a round counts
 * as applied only once the apiserver accepted it, so what the cluster holds is exactly `expected`.
 */
import { parse } from 'yaml';
import { waitFor } from '../../lib/wait-for.ts';
import { BuildStore } from '../../queue/store/build-store.ts';
import type { Stage } from './stage.ts';

/** Consumers the burst cycles through; each round writes `PER_ROUND` of them. */
const CONSUMERS = 30;
const PER_ROUND = 15;

export class ChangeBurst {
  /** username → the custom_id the cluster holds for it. */
  readonly expected = new Map<string, string>();
  /** Object writes the apiserver accepted. */
  applied = 0;
  #round = 0;
  readonly stage: Stage;

  constructor(stage: Stage) {
    this.stage = stage;
  }

  /** The probe route of the traffic (request-termination answers 200 without a backend). */
  async applyProbe(): Promise<void> {
    await this.stage.kubectlApply(PROBE);
  }

  /**
   * Applies the next round, retrying while the apiserver is away (for up to `timeoutMs`): a change the
   * user could not make is not a change the controller may lose.
   */
  async applyRound(timeoutMs = 90_000): Promise<void> {
    const round = this.#round++;
    const names = Array.from({ length: PER_ROUND }, (_, i) => `chaos-${(round * 7 + i) % CONSUMERS}`);
    const manifest = names
      .map(
        (name) => `apiVersion: configuration.konghq.com/v1
kind: KongConsumer
metadata: { name: ${name}, annotations: { kubernetes.io/ingress.class: kong } }
username: ${name}
custom_id: ${name}-round-${round}
`,
      )
      .join('---\n');
    await waitFor(
      async () => {
        await this.stage.kubectlApply(manifest);
        return true;
      },
      { timeoutMs, intervalMs: 500, description: `round ${round} of changes to be accepted` },
    );
    for (const name of names) this.expected.set(name, `${name}-round-${round}`);
    this.applied += names.length;
  }

  /** Rounds one after another; `afterRound(n)` runs once round n was accepted (to inject a fault). */
  async burst(rounds: number, afterRound?: (round: number) => Promise<void>): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await this.applyRound();
      await afterRound?.(i);
    }
  }
}

const PROBE = `apiVersion: v1
kind: Service
metadata: { name: probe }
spec:
  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]
---
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata: { name: probe-ok }
plugin: request-termination
config: { status_code: 200, message: probe-ok }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: probe
  annotations: { konghq.com/plugins: probe-ok }
spec:
  ingressClassName: kong
  rules:
    - host: probe.chaos
      http:
        paths: [{ path: /, pathType: Prefix, backend: { service: { name: probe, port: { number: 80 } } } }]
`;

export interface FleetCheck {
  readonly desiredHash: string | undefined;
  /** Per proxy: the changes it does not serve (missing consumer or an older round). */
  readonly missing: ReadonlyMap<string, number>;
  /** Proxies whose hash is not the desired one. */
  readonly behind: readonly string[];
}

/** What every proxy serves compared with what the cluster holds. */
export async function checkFleet(stage: Stage, burst: ChangeBurst): Promise<FleetCheck> {
  const redis = await stage.redis.client();
  const desiredHash = (await new BuildStore({ redis, prefix: stage.prefix }).desired())?.hash;
  const missing = new Map<string, number>();
  const behind: string[] = [];
  for (const proxy of stage.proxies()) {
    const state = await proxy.state();
    if (state.configurationHash !== desiredHash) behind.push(proxy.id);
    const read = await stage.admin.readConfig({
      adminUrl: proxy.adminUrl,
      serverName: stage.pods.serverName,
    });
    const served = new Map<string, string>();
    if (read.kind !== 'failed') {
      const config = (parse(read.value) ?? {}) as { consumers?: { username?: string; custom_id?: string }[] };
      for (const consumer of config.consumers ?? [])
        if (consumer.username) served.set(consumer.username, consumer.custom_id ?? '');
    }
    let lost = 0;
    for (const [name, customId] of burst.expected) if (served.get(name) !== customId) lost++;
    missing.set(proxy.id, lost);
  }
  return { desiredHash, missing, behind };
}

/** Waits until every proxy runs the desired build and serves every change; rejects with the last check. */
export async function waitForFleet(
  stage: Stage,
  burst: ChangeBurst,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; check: FleetCheck }> {
  let last: FleetCheck | undefined;
  try {
    await waitFor(
      async () => {
        last = await checkFleet(stage, burst);
        return (
          last.desiredHash !== undefined &&
          last.behind.length === 0 &&
          [...last.missing.values()].every((n) => n === 0)
        );
      },
      { timeoutMs, intervalMs: 500, description: 'every proxy to serve every change' },
    );
    return { ok: true };
  } catch {
    return {
      ok: false,
      check:
        last ??
        (await checkFleet(stage, burst).catch(() => ({
          desiredHash: undefined,
          missing: new Map(),
          behind: [],
        }))),
    };
  }
}
