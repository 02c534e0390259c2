import { z } from 'zod';
import { describeObject } from '../domain/object-ref.ts';
import { type ProxyProfile, profileOf, sameProfile } from '../domain/proxy.ts';
import { involvedObjectOf } from '../k8s/involved-object.ts';
import { buildObjectsOf } from '../kong/propagation.ts';
import { SecretRedactor, secretPaths } from '../kong/redact-secrets.ts';
import { IncrementalBuilder, type ObjectError } from '../kong/translate/index.ts';
import { defineJob } from '../queue/define-job.ts';
import { fleetProfiles } from './fleet-profiles.ts';
import { gatewayStatus } from './gateway-status.ts';
import { ingressStatus } from './ingress-status.ts';
import type { PipelineDeps } from './ports.ts';
import { requestPropagationStatus } from './propagation-status.ts';
import { pushConfig } from './push.ts';
import { deliverNewBuild } from './rollout.ts';

export const BuildPayload = z.strictObject({
  /** Why a build was asked for (for logs and Bull Board only; the build reads the current state). */
  reason: z.string().max(300),
});
export type BuildPayload = z.infer<typeof BuildPayload>;

export type BuildResult =
  | { readonly outcome: 'waiting-for-sync' }
  | { readonly outcome: 'kept-last-good'; readonly revision: number; readonly dropped: number }
  | {
      readonly outcome: 'unchanged' | 'superseded' | 'new';
      readonly hash: string;
      readonly revision: number;
      readonly pushes: number;
    };

/**
 * Turns the current cluster state into one Kong config: translate, validate, drop what fails
 * (and what depends on it), serialise canonically, hash, store, move `desired` forward, and ask
 * every known proxy to converge. Coalesced: a burst of events makes one build, an event during a
 * build makes exactly one more.
 */
export const buildConfig = defineJob<BuildPayload, PipelineDeps>({
  name: 'build',
  role: 'build',
  payload: BuildPayload,
  // A lone change builds after 50 ms of quiet; a burst (20+ events) after 500 ms of quiet, and
  // never later than 2 s after it began.
  coalesce: { key: () => 'build', delayMs: 50, extend: true, burst: { afterAdds: 20, delayMs: 500 } },
  attempts: 'unlimited',
  backoff: { baseMs: 500, capMs: 30_000, jitter: 0.2 },
  timeoutMs: 120_000,
  run: async (_payload, ctx): Promise<BuildResult> => {
    const { deps, log } = ctx;
    if (!(await deps.objects.syncedToken())) {
      // The leader asks again once every informer has listed.
      log.info('not every informer has listed yet; no build');
      deps.metrics?.buildFinished({ outcome: 'waiting-for-sync' });
      return { outcome: 'waiting-for-sync' };
    }
    const started = performance.now();
    const startedAt = Date.now();
    const firstChangeAt = await deps.objects.takePendingSince();
    const waitMs = firstChangeAt === undefined ? {} : { waitMs: Math.max(0, startedAt - firstChangeAt) };
    const { revision } = await deps.snapshot.refresh(deps.objects);
    const exclusions = await deps.objects.exclusions();
    const objects = [...deps.snapshot.objects()].map(([, object]) => object);
    const profiles = distinctProfiles(await fleetProfiles(deps));
    const result = builderFor(deps).build(objects, {
      settings: deps.translateSettings,
      profiles,
      // The store's keys are the translator's: one format, passed straight through.
      exclude: exclusions.keys(),
    });
    const dropped = result.errors.filter((error) => error.dropped !== false);
    const redactor = new SecretRedactor(result.secretValues);
    void reportObjectErrors(deps, result.errors, redactor);

    if (result.valid === false) {
      // The validator still rejects the config and no object could be blamed: shipping it would only
      // earn a 400 from every proxy. Keep serving the last good config.
      log.error(
        { revision, reason: redactor.redactText(result.validationError?.message ?? '').slice(0, 500) },
        'build does not validate and no object could be excluded; keeping the last good config',
      );
      deps.metrics?.buildFinished({ outcome: 'kept-last-good', ...waitMs });
      return { outcome: 'kept-last-good', revision, dropped: dropped.length };
    }
    const current = await deps.builds.desired();
    if (result.empty && dropped.length > 0 && current) {
      // Everything left was broken: keep serving the last good config instead of an empty one.
      log.warn(
        { revision, dropped: dropped.length },
        'build has nothing valid left; keeping the last good config',
      );
      deps.metrics?.buildFinished({ outcome: 'kept-last-good', ...waitMs });
      return { outcome: 'kept-last-good', revision, dropped: dropped.length };
    }

    const { text, hash } = result;
    // Counted once: the text of a large fleet's config is megabytes.
    const sizeBytes = Buffer.byteLength(text);
    const durationMs = Math.round(performance.now() - started);
    const { newProfiles } = await deps.builds.save(text, {
      hash,
      revision,
      createdAt: new Date().toISOString(),
      sizeBytes,
      durationMs,
      droppedObjects: dropped.length,
      secretPaths: secretPaths(result.config, result.secretValues),
      // Redacted before cutting, as the Events are: the record is shown by the API and the fleet console.
      dropped: dropped.slice(0, MAX_DROPPED_KEPT).map((error) => ({
        object: describeObject(error.object),
        reason: redactor.redactText(error.reason).slice(0, 500),
      })),
      ...(firstChangeAt !== undefined ? { firstChangeAt } : {}),
      // Who may be sent this build (jobs/push.ts): the proxies of these profiles, and of any profile an
      // earlier build of the same text was made for.
      profiles,
    });
    // Which served objects this build holds (and at which version), for their propagation status. Saved before
    // `desired` moves, so a status round never finds the desired build without its list.
    if (deps.propagation)
      await deps.propagation.store.saveBuildObjects(
        hash,
        buildObjectsOf(
          result.config,
          objects,
          dropped.map((error) => ({ ...error, reason: redactor.redactText(error.reason) })),
        ),
      );
    const { advanced, previous } = await deps.builds.advanceDesired(hash, revision);
    let pushes = 0;
    if (advanced && previous !== hash) {
      // Every proxy at once, or through a rollout (spec.rollout), or none while pinned: jobs/rollout.ts.
      pushes = await deliverNewBuild(deps, { hash, revision, at: new Date().toISOString() }, previous);
      if (deps.ingressStatus) await deps.producer.enqueue(ingressStatus, {});
    } else if (newProfiles.length > 0) {
      // The same text as before, now made for more profiles (usual: no gated feature in use). Nobody else is
      // pushed for it, but the proxies that waited for a build of their profile (jobs/push.ts) get this one.
      pushes = await pushProxiesOf(deps, newProfiles);
    }
    // Verdicts can change without the config changing (a refused route ships nothing either way). A cluster
    // without a GatewayClass of ours costs no lists per build; the job's schedule still clears leftovers.
    if (deps.gatewayStatus && result.gatewayAPI.gatewayClasses.length > 0)
      await deps.producer.enqueue(gatewayStatus, {});
    if (advanced && previous !== hash) await deps.propagation?.store.markDesiredSince(hash, Date.now());
    if (advanced) await requestPropagationStatus(deps);
    const outcome = !advanced ? 'superseded' : previous === hash ? 'unchanged' : 'new';
    deps.metrics?.buildFinished({
      outcome,
      durationMs,
      sizeBytes,
      ...waitMs,
    });
    log.info(
      {
        revision,
        hash,
        outcome,
        durationMs,
        sizeBytes,
        dropped: dropped.length,
        pushes,
      },
      'build done',
    );
    return { outcome, hash, revision, pushes };
  },
});

/** The fleet's profiles, each once, in a stable order (the build's fingerprint and record see them so). */
function distinctProfiles(profiles: readonly ProxyProfile[]): ProxyProfile[] {
  const distinct: ProxyProfile[] = [];
  for (const profile of profiles) if (!distinct.some((p) => sameProfile(p, profile))) distinct.push(profile);
  const key = (p: ProxyProfile) => `${p.kongVersion}\u0000${p.routerFlavor}\u0000${p.edition}`;
  return distinct.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Asks every proxy reporting one of `profiles` to converge; returns how many were asked. */
async function pushProxiesOf(deps: PipelineDeps, profiles: readonly ProxyProfile[]): Promise<number> {
  const proxies = await deps.registry.list();
  const statuses = await Promise.all(proxies.map((proxy) => deps.registry.status(proxy.id)));
  const ids = proxies
    .filter((_, i) => {
      const profile = profileOf(statuses[i]!);
      return profile !== undefined && profiles.some((p) => sameProfile(p, profile));
    })
    .map((proxy) => proxy.id);
  await Promise.all(ids.map((proxy) => deps.producer.enqueue(pushConfig, { proxy })));
  return ids.length;
}

/**
 * One incremental builder per snapshot cache (one per controller): it remembers the last build so an
 * unchanged input reuses it, and hashes only the objects the refresh replaced.
 */
const builders = new WeakMap<PipelineDeps['snapshot'], IncrementalBuilder>();
function builderFor(deps: PipelineDeps): IncrementalBuilder {
  let builder = builders.get(deps.snapshot);
  if (!builder) {
    builder = new IncrementalBuilder();
    builders.set(deps.snapshot, builder);
  }
  return builder;
}

/** Dropped objects a build record lists (all of them are counted, and each has its Event). */
const MAX_DROPPED_KEPT = 100;

/** Events a single build may write; the recorder also deduplicates repeats across builds. */
const MAX_EVENTS_PER_BUILD = 500;

/** One Warning Event per object the build could not (fully) use. */
async function reportObjectErrors(
  deps: PipelineDeps,
  errors: readonly ObjectError[],
  redactor: SecretRedactor,
): Promise<void> {
  await Promise.allSettled(
    errors
      .slice(0, MAX_EVENTS_PER_BUILD)
      .map((error) =>
        deps.events.record(
          involvedObjectOf(error.object),
          'Warning',
          error.dropped === false ? 'KongConfigurationWarning' : 'KongConfigurationTranslationFailed',
          redactor.redactText(error.reason),
        ),
      ),
  );
}
