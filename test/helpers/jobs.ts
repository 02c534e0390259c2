import type { Job, JobState, Queue } from 'bullmq';
import { eventually } from './eventually.ts';

/** Waits until job `id` is in `state`, then returns it read afresh (state first, so no field is stale). */
export async function jobInState(
  queue: Queue,
  id: string,
  state: JobState,
  timeoutMs = 10_000,
): Promise<Job> {
  await eventually(async () => (await queue.getJobState(id)) === state, {
    timeoutMs,
    description: `job ${queue.name}/${id} to be ${state}`,
  });
  const job = await queue.getJob(id);
  if (!job) throw new Error(`job ${queue.name}/${id} vanished`);
  return job;
}
