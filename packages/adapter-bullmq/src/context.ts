/** State shared by the adapter's parts: connection, prefix, queue handles, settings from `start()`. */
import type { AdapterStartContext, Clock, Logger } from '@switchyard/core';
import { silentLogger, systemClock } from '@switchyard/core';
import { Queue } from 'bullmq';
import { ForeignJobs } from './foreign-jobs.js';
import { knownQueuesKey } from './keys.js';
import type { RedisClient, ResolvedOptions } from './options.js';
import { OutageLog } from './outage.js';
import { Scripts } from './scripts.js';

/** Everything a part of the adapter needs. */
export class AdapterContext {
  readonly scripts: Scripts;
  /** The `foreignJobs` mappings. */
  readonly foreign: ForeignJobs;
  /** Logs each Redis outage once, and its end once. */
  readonly outages = new OutageLog(() => this.logger);
  logger: Logger = silentLogger;
  /**
   * The clock rule: every time the adapter writes into a record or compares with one (createdAt,
   * runAt, a retry's time, a cancel's finish, history buckets, worker expiry) comes from this
   * clock, the one core passes to `start()`. Real time is left where BullMQ needs it: the times
   * BullMQ's own scripts stamp (`processedOn`, `finishedOn`) and the moment its workers promote a
   * delayed job (they compare the delayed score, written on this clock, with `Date.now()`).
   */
  clock: Clock = systemClock;
  retention: AdapterStartContext['retention'] = {};
  /** How long throughput history is kept (from `start()`; core's default until then). */
  historyRetentionMs = 7 * 24 * 60 * 60 * 1000;
  private readonly queues = new Map<string, Promise<Queue>>();

  constructor(
    readonly client: RedisClient,
    readonly options: ResolvedOptions,
  ) {
    this.scripts = new Scripts(client, options.prefix);
    this.foreign = new ForeignJobs(options.foreignJobs);
    // ioredis reconnects by itself; without a listener a dropped connection would crash the process.
    this.outages.watch(client, 'commands');
  }

  get prefix(): string {
    return this.options.prefix;
  }

  /** A ready BullMQ Queue handle on the shared connection (created once per name). */
  queue(name: string): Promise<Queue> {
    let queue = this.queues.get(name);
    if (!queue) {
      const created = new Queue(name, { connection: this.client, prefix: this.prefix });
      // BullMQ re-emits the connection's errors here; they surface on the calls that fail.
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

  /**
   * Makes the queues of `foreignJobs` known (so `jobs.get` and the statistics see the jobs other
   * producers add) and keeps their handles for reading those jobs.
   */
  async prepareForeignQueues(): Promise<void> {
    const names = this.foreign.queues;
    if (names.length === 0) return;
    await this.client.sadd(knownQueuesKey(this.prefix), ...names);
    for (const name of names) this.foreign.remember(name, await this.queue(name));
  }

  /** What decoding a stored job needs: now on core's clock, and the foreign mappings. */
  decodeContext(): { now: number; foreign: ForeignJobs } {
    return { now: this.clock.now(), foreign: this.foreign };
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
