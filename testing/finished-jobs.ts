import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/** Jobs of one queue that finished (completed or failed) since `since` (ms), as BullMQ recorded them. */
export async function finishedJobsSince(redisUrl: string, prefix: string, name: string, since: number) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix });
  try {
    const jobs = await queue.getJobs(['completed', 'failed'], 0, -1);
    return jobs.filter((job) => (job.processedOn ?? 0) >= since);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
