import { RetryAfterError } from '../queue/errors.ts';
import type { PipelineDeps } from './ports.ts';

/** A push that finds its proxy claimed by another run looks again after this long. */
export const CLAIMED_RETRY_MS = 1000;

/**
 * Runs `push` while holding `proxy`'s claim (queue/store/push-claims.ts), so a job BullMQ runs a second
 * time after its lock expired never sends a second POST /config while the first is still loading (the
 * proxy would answer 429 with Retry-After 10 s). The second run waits its turn instead and then finds
 * the proxy at the desired hash: POST /config?check_hash=1 answers 304, nothing is loaded twice.
 */
export async function whileClaimed<T>(
  deps: Pick<PipelineDeps, 'pushClaims'>,
  proxy: string,
  push: () => Promise<T>,
): Promise<T> {
  const claim = await deps.pushClaims.claim(proxy);
  if (!claim)
    throw new RetryAfterError(`proxy ${proxy}: another push to it is still running`, CLAIMED_RETRY_MS);
  try {
    return await push();
  } finally {
    await claim.release().catch(() => {
      // Redis away: the claim expires by itself.
    });
  }
}
