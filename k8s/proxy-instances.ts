import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { RepairMode } from '../domain/drift.ts';
import type { ObjectRef } from '../domain/object-ref.ts';
import type { ProxyEndpoint } from '../domain/proxy.ts';
import type { FleetMode, FleetModeSpec } from '../domain/shadow.ts';
import { type Condition, type ConditionInput, mergeConditions } from './conditions.ts';

const GROUP = 'kongfleet.io';
const VERSION = 'v1alpha1';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface ProxyInstanceStatus {
  readonly address: string;
  readonly kongVersion?: string;
  readonly state: string;
  readonly desiredHash?: string;
  readonly actualHash?: string;
  readonly lastPushTime?: string;
  readonly lastSeenTime?: string;
  readonly lastError?: string;
  readonly conditions: readonly ConditionInput[];
}

/** A rollout's progress as `kubectl get proxyfleet` shows it (status.rollout). */
export interface ProxyFleetRolloutStatus {
  readonly hash: string;
  readonly stableHash: string;
  readonly phase: string;
  /** 1-based. */
  readonly step: number;
  readonly steps: number;
  readonly updatedProxies: number;
  readonly progress: string;
  readonly message: string;
}

export interface ProxyFleetStatus {
  readonly desiredHash?: string;
  readonly proxies: number;
  readonly syncedProxies: number;
  readonly summary: string;
  /** The mode the controller acts on (shadow: not pushing). */
  readonly mode?: FleetMode;
  /** Set while the fleet is pinned (`kong-fleet rollback`); absent removes it. */
  readonly pinnedHash?: string | undefined;
  readonly rollout?: ProxyFleetRolloutStatus | undefined;
  readonly conditions: readonly ConditionInput[];
}

export interface ProxyInstancesOptions {
  readonly kubeConfig: KubeConfig;
  /** Where ProxyInstances and the ProxyFleet live (the controller's namespace). */
  readonly namespace: string;
  /** @defaultValue 'default' */
  readonly fleetName?: string;
  /** Repair mode written into a ProxyFleet the controller creates; users change it on the object. */
  readonly defaultRepairMode: RepairMode;
  /** Mode written into a ProxyFleet the controller creates (shadow beside KIC). @defaultValue 'active' */
  readonly defaultMode?: FleetMode;
  readonly logger: Logger;
  /** How long a read ProxyFleet spec is reused. @defaultValue 5000 */
  readonly cacheMs?: number;
}

/** A valid object name for a proxy id (pod names already are; static ids are made of host and port). */
export function instanceName(proxyId: string): string {
  const name = proxyId
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name.slice(0, 253) || 'proxy';
}

/**
 * The ProxyInstance objects (one per known proxy) and the ProxyFleet that owns them and carries the
 * fleet summary and per-fleet settings. Status goes through the status subresource.
 */
export class ProxyInstances {
  readonly #options: ProxyInstancesOptions;
  readonly #api: CustomObjectsApi;
  #fleet: (FleetObject & { readAt: number }) | undefined;

  constructor(options: ProxyInstancesOptions) {
    this.#options = options;
    this.#api = options.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  get fleetName(): string {
    return this.#options.fleetName ?? 'default';
  }

  instanceRef(proxyId: string): ObjectRef {
    return {
      kind: 'ProxyInstance',
      group: GROUP,
      version: VERSION,
      namespace: this.#options.namespace,
      name: instanceName(proxyId),
    };
  }

  /** ProxyFleet `spec.rollout` as written (undefined when absent). */
  async rolloutSpec(): Promise<unknown> {
    return (await this.#fleetObject()).rollout;
  }

  /** The ProxyFleet itself (for Events about the whole fleet). */
  fleetRef(): ObjectRef {
    const uid = this.#fleet?.uid;
    return {
      kind: 'ProxyFleet',
      group: GROUP,
      version: VERSION,
      namespace: this.#options.namespace,
      name: this.fleetName,
      ...(uid ? { uid } : {}),
    };
  }

  /** The fleet's repair mode from its ProxyFleet (created with the default when missing). */
  async repairMode(): Promise<RepairMode> {
    return (await this.#fleetObject()).repairMode;
  }

  /**
   * The fleet's `spec.mode` and `spec.takeover.force` (shadow mode and takeover). `fresh` skips the cache:
   * the once-per-interval mode decision must not act on a spec another replica read before a handback.
   */
  async modeSpec(options: { readonly fresh?: boolean } = {}): Promise<FleetModeSpec> {
    const { mode, force } = await this.#fleetObject(options.fresh ? 0 : undefined);
    return { mode, force };
  }

  /**
   * Sets `spec.mode` (and `spec.takeover.force`): what `kong-fleet takeover` and `handback` do, the same
   * as a `kubectl patch`. Creates the ProxyFleet when missing.
   */
  async setModeSpec(spec: FleetModeSpec): Promise<void> {
    await this.#fleetObject();
    await this.#api.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: this.#options.namespace,
        plural: 'proxyfleets',
        name: this.fleetName,
        body: { spec: { mode: spec.mode, takeover: { force: spec.force } } },
      },
      MERGE_PATCH,
    );
    this.#fleet = undefined;
  }

  /**
   * Writes a proxy's ProxyInstance status (creating the object when missing) and returns the conditions
   * written. With `previous` (the conditions this controller wrote last time) the object is assumed to
   * exist and only the status is patched: one API call instead of a read and a write.
   */
  async upsert(
    proxy: ProxyEndpoint,
    status: ProxyInstanceStatus,
    previous?: readonly Condition[],
  ): Promise<Condition[]> {
    const { namespace } = this.#options;
    const name = instanceName(proxy.id);
    const target = { group: GROUP, version: VERSION, namespace, plural: 'proxyinstances', name };
    if (previous) {
      const conditions = mergeConditions(previous, status.conditions, new Date());
      try {
        await this.#api.patchNamespacedCustomObjectStatus(
          { ...target, body: { status: { ...nullsForMissing(status), conditions } } },
          MERGE_PATCH,
        );
        return conditions;
      } catch (err) {
        // Deleted behind our back: recreate it below.
        if (!(err instanceof ApiException && err.code === 404)) throw err;
      }
    }
    let current: { spec?: Record<string, unknown>; status?: { conditions?: Condition[] } } | undefined;
    try {
      current = await this.#api.getNamespacedCustomObject(target);
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
    const spec = {
      adminURL: proxy.adminUrl,
      source: proxy.source,
      fleet: this.fleetName,
      ...(proxy.podRef ? { podRef: proxy.podRef } : {}),
    };
    if (!current) {
      const fleet = await this.#fleetObject();
      current = await this.#api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: 'proxyinstances',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'ProxyInstance',
          metadata: {
            name,
            namespace,
            labels: { 'app.kubernetes.io/managed-by': 'kong-fleet', 'kongfleet.io/fleet': this.fleetName },
            // Owned by the fleet: deleting the ProxyFleet garbage-collects its instances.
            ownerReferences: [
              { apiVersion: `${GROUP}/${VERSION}`, kind: 'ProxyFleet', name: this.fleetName, uid: fleet.uid },
            ],
          },
          spec,
        },
      });
    } else if (JSON.stringify({ ...current.spec }) !== JSON.stringify(spec)) {
      await this.#api.patchNamespacedCustomObject({ ...target, body: { spec } }, MERGE_PATCH);
    }
    const conditions = mergeConditions(current?.status?.conditions, status.conditions, new Date());
    await this.#api.patchNamespacedCustomObjectStatus(
      { ...target, body: { status: { ...nullsForMissing(status), conditions } } },
      MERGE_PATCH,
    );
    return conditions;
  }

  async delete(proxyId: string): Promise<void> {
    try {
      await this.#api.deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: this.#options.namespace,
        plural: 'proxyinstances',
        name: instanceName(proxyId),
      });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  }

  /** Names of every ProxyInstance of this fleet, to delete those whose proxy is gone. */
  async list(): Promise<string[]> {
    const list = (await this.#api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.#options.namespace,
      plural: 'proxyinstances',
      labelSelector: `kongfleet.io/fleet=${this.fleetName}`,
    })) as { items?: { metadata?: { name?: string } }[] };
    return (list.items ?? []).map((item) => item.metadata?.name ?? '').filter(Boolean);
  }

  async writeFleetStatus(status: ProxyFleetStatus): Promise<void> {
    const target = {
      group: GROUP,
      version: VERSION,
      namespace: this.#options.namespace,
      plural: 'proxyfleets',
      name: this.fleetName,
    };
    await this.#fleetObject();
    const current = (await this.#api.getNamespacedCustomObject(target)) as {
      status?: { conditions?: Condition[] };
    };
    const conditions = mergeConditions(current.status?.conditions, status.conditions, new Date());
    await this.#api.patchNamespacedCustomObjectStatus(
      { ...target, body: { status: { ...nullsForMissing(status), conditions } } },
      MERGE_PATCH,
    );
  }

  async #fleetObject(maxAgeMs = this.#options.cacheMs ?? 5000): Promise<FleetObject> {
    const cached = this.#fleet;
    if (cached && Date.now() - cached.readAt < maxAgeMs) return cached;
    const { namespace } = this.#options;
    const target = { group: GROUP, version: VERSION, namespace, plural: 'proxyfleets', name: this.fleetName };
    let fleet: {
      metadata?: { uid?: string };
      spec?: { repairMode?: RepairMode; mode?: FleetMode; takeover?: { force?: boolean }; rollout?: unknown };
    };
    try {
      fleet = await this.#api.getNamespacedCustomObject(target);
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
      try {
        fleet = await this.#api.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: 'proxyfleets',
          body: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'ProxyFleet',
            metadata: {
              name: this.fleetName,
              namespace,
              labels: { 'app.kubernetes.io/managed-by': 'kong-fleet' },
            },
            spec: {
              repairMode: this.#options.defaultRepairMode,
              mode: this.#options.defaultMode ?? 'active',
            },
          },
        });
        this.#options.logger.info({ fleet: this.fleetName, namespace }, 'created the ProxyFleet');
      } catch (createErr) {
        // Another replica created it first.
        if (!(createErr instanceof ApiException && createErr.code === 409)) throw createErr;
        fleet = await this.#api.getNamespacedCustomObject(target);
      }
    }
    this.#fleet = {
      uid: fleet.metadata?.uid ?? '',
      repairMode: fleet.spec?.repairMode ?? this.#options.defaultRepairMode,
      // A ProxyFleet from before spec.mode existed (or without it) is active: it was pushing.
      mode: fleet.spec?.mode === 'shadow' ? 'shadow' : 'active',
      force: fleet.spec?.takeover?.force === true,
      rollout: fleet.spec?.rollout,
      readAt: Date.now(),
    };
    return this.#fleet;
  }
}

interface FleetObject {
  readonly uid: string;
  readonly repairMode: RepairMode;
  readonly mode: FleetMode;
  readonly force: boolean;
  /** `spec.rollout` as written (parsed by jobs/rollout-plan.ts). */
  readonly rollout: unknown;
}

/** A merge patch leaves absent fields alone; null removes a field that no longer applies. */
function nullsForMissing<T extends object>(status: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(status).map(([key, value]) => [key, value ?? null]));
}
