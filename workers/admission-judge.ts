import { fleetProfiles } from '../jobs/fleet-profiles.ts';
import type { PipelineDeps } from '../jobs/ports.ts';
import { type AdmissionVerdict, admissionVerdict } from '../kong/admission-verdict.ts';
import { resolveSettings } from '../kong/translate/index.ts';
import type { Settings } from './settings.ts';

/**
 * The webhook's judge: the build's own translator settings and, once the pipeline runs, the
 * validator profiles the fleet's proxies reported, so an object is refused exactly when the next
 * build would drop it.
 */
export function admissionJudge(
  settings: Pick<Settings, 'ingressClass' | 'featureGates'>,
  deps: () => PipelineDeps | undefined,
): (object: unknown) => Promise<AdmissionVerdict> {
  const fallback = resolveSettings({
    ingressClass: settings.ingressClass,
    featureFlags: settings.featureGates,
  });
  return async (object) => {
    const current = deps();
    return admissionVerdict(object, {
      settings: current?.translateSettings ?? fallback,
      profiles: current ? await fleetProfiles(current) : [],
    });
  };
}
