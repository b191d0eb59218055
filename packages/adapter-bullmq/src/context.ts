/** State shared by the adapter's parts: connection, prefix, queue handles, settings from `start()`. */
import type { AdapterStartContext, Clock, Logger } from '@switchyard/core';
import { silentLogger, systemClock } from '@switchyard/core';
import { Queue } from 'bullmq';
import { knownQueuesKey } from './keys.js';
import type { RedisClient, ResolvedOptions } from './options.js';
import { Scripts } from './scripts.js';

/** Everything a part of the adapter needs. */
export class AdapterContext {
  readonly scripts: Scripts;
  logger: Logger = silentLogger;
  clock: Clock = systemClock;
  retention: AdapterStartContext['retention'] = {};
  private readonly queues = new Map<string, Promise<Queue>>();

  constructor(
    readonly client: RedisClient,
    readonly options: ResolvedOptions,
  ) {
    this.scripts = new Scripts(client, options.prefix);
    // ioredis reconnects by itself; without a listener a dropped connection would crash the process.
    client.on('error', (error: Error) => this.logger.warn({ err: error }, 'bullmq: redis connection error'));
  }

  get prefix(): string {
    return this.options.prefix;
  }

  /** A ready BullMQ Queue handle on the shared connection (created once per name). */
  queue(name: string): Promise<Queue> {
    let queue = this.queues.get(name);
    if (!queue) {
      const created = new Queue(name, { connection: this.client, prefix: this.prefix });
      // BullMQ re-emits connection errors here; they are retried by ioredis and surface on the calls that fail.
      created.on('error', (error) =>
        this.logger.debug({ err: error, queue: name }, 'bullmq: queue connection error'),
      );
      queue = created.waitUntilReady().then(
        () => created,
        (error: unknown) => {
          this.queues.delete(name);
          throw error;
        },
      );
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Every queue that ever held a job or was paused, sorted. */
  async knownQueues(): Promise<string[]> {
    const names = await this.client.smembers(knownQueuesKey(this.prefix));
    return names.sort();
  }

  /** BullMQ `removeOnComplete` / `removeOnFail` for new jobs (ages are in seconds). */
  keepJobs(): { removeOnComplete?: { age: number }; removeOnFail?: { age: number } } {
    const { completedMs, failedMs } = this.retention;
    return {
      ...(completedMs !== undefined
        ? { removeOnComplete: { age: Math.max(1, Math.ceil(completedMs / 1000)) } }
        : {}),
      ...(failedMs !== undefined ? { removeOnFail: { age: Math.max(1, Math.ceil(failedMs / 1000)) } } : {}),
    };
  }

  /** Closes the queue handles (the shared connection is closed by the adapter). */
  async close(): Promise<void> {
    const queues = await Promise.all(this.queues.values());
    this.queues.clear();
    await Promise.all(queues.map((queue) => queue.close()));
  }
}
