/** A snapshot of everything a write could change, read through a second yard (not the API). */
import { JOB_STATES, type Switchyard } from '@switchyard/core';

/** Jobs (id, state, attempt), schedules (key, paused, next run) and paused queues. */
export async function backendSnapshot(reader: Switchyard): Promise<string> {
  const jobs: string[] = [];
  for (const state of JOB_STATES) {
    let cursor: string | undefined;
    do {
      const page = await reader.jobs.list({ state, limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const job of page.jobs)
        jobs.push(`${job.id}:${job.state}:${job.attempt}:${job.cancelRequested ? 'c' : ''}`);
      cursor = page.nextCursor;
    } while (cursor);
  }
  const schedules = (await reader.schedules.list()).map(
    (schedule) => `${schedule.key}:${schedule.paused}:${schedule.nextRunAt.toISOString()}`,
  );
  const queues = await reader.queues.list();
  const paused = await Promise.all(
    queues.map(async (queue) => `${queue}:${await reader.queues.isPaused(queue)}`),
  );
  return JSON.stringify({ jobs: jobs.sort(), schedules: schedules.sort(), queues: paused.sort() });
}
