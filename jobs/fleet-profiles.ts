import { profileOf } from '../domain/proxy.ts';
import type { ValidatorProfile } from '../kong/translate/index.ts';
import type { PipelineDeps } from './ports.ts';

/**
 * The validator profiles of the fleet: the Kong version, router flavor and edition each proxy
 * reported in `GET /` (recorded by the push job). A build is validated against each distinct one,
 * so what any proxy would reject is dropped locally instead of earning a 400 from it. Proxies that
 * have not reported yet, or are too old to be configured, do not count.
 */
export async function fleetProfiles(deps: Pick<PipelineDeps, 'registry'>): Promise<ValidatorProfile[]> {
  const proxies = await deps.registry.list();
  const statuses = await Promise.all(proxies.map((proxy) => deps.registry.status(proxy.id)));
  return statuses.flatMap((status) => {
    const profile = profileOf(status);
    return profile && status.state !== 'Incompatible' ? [profile] : [];
  });
}
