import type { AnyJobDefinition, JobSchedule } from './define-job.ts';
import { baseJobOptions } from './job-options.ts';
import type { JobProducer } from './producer.ts';

export interface InstalledSchedule {
  readonly job: string;
  readonly schedule: JobSchedule | null;
}

/**
 * Makes the job schedulers in Redis match the definitions: upserts one scheduler (id = job name)
 * per scheduled job and removes the scheduler of a job that no longer has one. Idempotent, so a
 * restart or a second leader changes nothing.
 */
export async function installSchedules(
  definitions: readonly AnyJobDefinition[],
  producer: JobProducer,
): Promise<InstalledSchedule[]> {
  const installed: InstalledSchedule[] = [];
  for (const definition of definitions) {
    const schedule = definition.schedule ?? null;
    const queue = producer.queue(definition.name);
    if (schedule) {
      const { attempts, backoff, removeOnComplete, removeOnFail } = baseJobOptions(definition);
      await queue.upsertJobScheduler(
        definition.name,
        schedule.every !== undefined
          ? { every: schedule.every }
          : { pattern: schedule.cron, tz: schedule.tz ?? 'UTC' },
        {
          name: definition.name,
          data: definition.schedulePayload,
          opts: { attempts, backoff, removeOnComplete, removeOnFail },
        },
      );
    } else {
      await queue.removeJobScheduler(definition.name);
    }
    installed.push({ job: definition.name, schedule });
  }
  return installed;
}

/**
 * Reinstalls the schedulers Redis no longer holds (it restarted empty or was flushed) and leaves
 * the others alone: upserting an `every` scheduler again would move its next run, so calling this
 * often must not postpone drift checks for ever. Resolves with the reinstalled job names.
 */
export async function reinstallMissingSchedules(
  definitions: readonly AnyJobDefinition[],
  producer: JobProducer,
): Promise<string[]> {
  const missing: AnyJobDefinition[] = [];
  for (const definition of definitions) {
    if (!definition.schedule) continue;
    const scheduler = await producer.queue(definition.name).getJobScheduler(definition.name);
    if (!scheduler) missing.push(definition);
  }
  if (missing.length > 0) await installSchedules(missing, producer);
  return missing.map((definition) => definition.name);
}
