/**
 * Both sides at once: the plain BullMQ producer adds jobs; the Switchyard worker runs them; the
 * producer still gets its results the BullMQ way (`job.waitUntilFinished`), and Switchyard's
 * operations (`yard.jobs`, counts, search) see the same jobs. Data the schema refuses fails the
 * job without running it, and BullMQ keeps the raw data for inspection.
 */
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { createImageProducer } from './producer.ts';
import { createImageYard } from './worker.ts';

/** What one run observed, from each side. */
export interface MigrationReport {
  /** Results as the plain producer received them, per BullMQ job id. */
  producerResults: Record<string, unknown>;
  /** The same jobs as Switchyard reads them. */
  switchyardJobs: Array<{ id: string; task: string; state: string; payload: unknown; result?: unknown }>;
  /** The job whose data the task schema refused: its state, error code, and the raw data BullMQ kept. */
  refused: { state: string; errorCode?: string; rawData: unknown };
}

/** Runs the side-by-side example against `redisUrl` under `prefix` and reports what both sides saw. */
export async function runMigration(redisUrl: string, prefix: string): Promise<MigrationReport> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const producer = createImageProducer(connection, prefix);
  // The producer's own view of results: BullMQ's QueueEvents, as the service already uses them.
  const eventsConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const events = new QueueEvents('images', { connection: eventsConnection, prefix });
  const yard = createImageYard({ redisUrl, prefix });
  await yard.start();
  const worker = yard.createWorker({ queues: ['images'], concurrency: 4 });
  try {
    await events.waitUntilReady();
    await worker.start();
    const jobs = await Promise.all([
      producer.requestResize({ url: 'https://example.com/cat.png', width: 64 }),
      producer.requestResize({ url: 'https://example.com/dog.png' }),
    ]);
    const bad = await producer.requestResize({ url: 'not a url' });

    const producerResults: Record<string, unknown> = {};
    for (const job of jobs) producerResults[String(job.id)] = await job.waitUntilFinished(events, 15_000);

    const switchyardJobs = [];
    for (const job of jobs) {
      const record = await yard.jobs.waitFor(String(job.id), { timeout: '15s' });
      switchyardJobs.push({
        id: record.id,
        task: record.task,
        state: record.state,
        payload: record.payload,
        result: record.result,
      });
    }
    const failed = await yard.jobs.waitFor(String(bad.id), { timeout: '15s' });
    const raw = await producer.queue.getJob(String(bad.id));
    return {
      producerResults,
      switchyardJobs,
      refused: {
        state: failed.state,
        ...(failed.error?.code ? { errorCode: failed.error.code } : {}),
        rawData: raw?.data,
      },
    };
  } finally {
    await worker.stop({ timeout: '5s' });
    await yard.close();
    await events.close();
    await producer.close();
    connection.disconnect();
    eventsConnection.disconnect();
  }
}
