/**
 * `pgBossAdapter`: Switchyard on pg-boss 12. pg-boss owns the schema (its job
 * and queue tables, enum, migrations, queue registration); Switchyard adds the
 * columns and indexes it needs and drives claiming, leases and settlement with
 * its own statements on pg-boss's job table (see docs/adapters/pgboss.md). It
 * speaks the operations contract (`specVersion: 2`): workers and history in
 * tables of their own, events over NOTIFY, search and bulk actions on the job table.
 */
import {
  type AdapterCapabilities,
  type AdapterEnqueueOptions,
  type AdapterStartContext,
  type ConsumeOptions,
  type Consumer,
  type EnqueueOutcome,
  type EventBus,
  type HistoryStore,
  InvalidOptionsError,
  type Lease,
  type NewJob,
  NotStartedError,
  type QueueAdapterV2,
  type StatsStore,
  type ThrottleStore,
  type TimerHandle,
  type WorkerRegistry,
} from '@switchyard/core';
import type pg from 'pg';
import { PgConsumer } from './consume.js';
import { Database, type SqlExecutor } from './database.js';
import { Enqueuer } from './enqueue.js';
import { MAX_NOTIFY_MESSAGE_BYTES, PgEventBus } from './events.js';
import { ForeignJobs } from './foreign-jobs.js';
import { PgHistoryStore } from './history.js';
import type { PgLease } from './lease.js';
import {
  applyRetention,
  leaseSweepIntervalMs,
  redeliverExpiredLeases,
  retentionIntervalMs,
  runUpkeep,
  upkeepIntervalMs,
} from './maintenance.js';
import { channelFor, eventsChannelFor, Listener } from './notify.js';
import { type PgBossAdapterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { refreshPgBossCounters } from './pgboss-counters.js';
import { pruneStash } from './pgboss-reinsert.js';
import { ForeignWorkerWarnings, findPgBossWorkers } from './pgboss-workers-check.js';
import { PgJobStore } from './queries.js';
import { PgQueueControl } from './queues.js';
import { PgScheduleStore } from './schedules.js';
import { installSchema } from './schema.js';
import { Settler } from './settle.js';
import { PgStatsStore } from './stats.js';
import { PgThrottle } from './throttle.js';
import { PgWorkerRegistry } from './workers.js';

/** What this adapter can do (see the docs for the reasoning behind each value). */
export const PGBOSS_CAPABILITIES: AdapterCapabilities = Object.freeze({
  durable: true,
  transactionalEnqueue: true,
  ordering: 'strict',
  // Core's default cap. jsonb holds far more, but every claim returns the payload and large rows are TOASTed,
  // so bigger payloads slow the hot path for every worker; keep blobs elsewhere and pass a reference.
  maxPayloadBytes: 256 * 1024,
  maxDelayMs: Number.POSITIVE_INFINITY,
  crossProcessCancel: true,
  nativeScheduler: false,
  crossProcessLeases: true,
  // Leases offer failWithin: onFailed runs in the transaction that marks the job failed.
  failHookInTransaction: true,
  throttle: true,
});

/** History kept when the start context names no window (core's default, 7 days). */
const DEFAULT_HISTORY_RETENTION_MS = 7 * 24 * 3_600_000;

/** Everything that exists only between `start()` and `close()`. */
interface Running {
  context: AdapterStartContext;
  db: Database;
  listener: Listener;
  enqueuer: Enqueuer;
  settler: Settler;
  jobs: PgJobStore;
  queues: PgQueueControl;
  schedules: PgScheduleStore;
  workers: PgWorkerRegistry;
  events: PgEventBus;
  history: PgHistoryStore;
  stats: PgStatsStore;
  throttle: PgThrottle;
  consumers: Set<PgConsumer>;
  leases: Map<string, PgLease>;
  timers: { sweep?: TimerHandle; retention?: TimerHandle; upkeep?: TimerHandle };
}

/** Builds a Switchyard adapter on pg-boss 12 (PostgreSQL). */
export function pgBossAdapter(options: PgBossAdapterOptions): QueueAdapterV2 {
  const resolved = resolveOptions(options);
  return new PgBossQueueAdapter(resolved);
}

class PgBossQueueAdapter implements QueueAdapterV2 {
  readonly name = 'pgboss';
  readonly specVersion = 2 as const;
  readonly capabilities = PGBOSS_CAPABILITIES;
  readonly jobs: PgJobStore;
  readonly queues: PgQueueControl;
  readonly schedules: PgScheduleStore;
  readonly workers: WorkerRegistry;
  readonly events: EventBus;
  readonly history: HistoryStore;
  readonly stats: StatsStore;
  readonly throttle: ThrottleStore;
  private running: Running | undefined;
  private readonly channel: string;
  private readonly foreign: ForeignJobs;
  private readonly foreignWorkerWarnings = new ForeignWorkerWarnings();

  constructor(private readonly options: ResolvedOptions) {
    this.channel = channelFor(options.schema);
    this.foreign = new ForeignJobs(options.foreignJobs);
    // The stores delegate to the running instance so they can be handed out before start().
    this.jobs = delegate(() => this.require().jobs) as PgJobStore;
    this.queues = delegate(() => this.require().queues) as PgQueueControl;
    this.schedules = delegate(() => this.require().schedules) as PgScheduleStore;
    this.workers = delegate(() => this.require().workers);
    this.history = delegate(() => this.require().history);
    this.stats = delegate(() => this.require().stats);
    this.throttle = delegate(() => this.require().throttle);
    // Not a delegate: core reads `maxMessageBytes` (a value) and probes for the optional `hasSubscribers`.
    this.events = {
      maxMessageBytes: MAX_NOTIFY_MESSAGE_BYTES,
      publish: async (message) => this.require().events.publish(message),
      subscribe: async (handler, options) => this.require().events.subscribe(handler, options),
    };
  }

  async start(context: AdapterStartContext): Promise<void> {
    if (this.running) return;
    const logger = context.logger;
    const historyRetentionMs = context.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS;
    if (typeof historyRetentionMs !== 'number' || !(historyRetentionMs > 0)) {
      throw new InvalidOptionsError(
        `pgboss adapter: historyRetentionMs must be a positive number of ms; got ${String(historyRetentionMs)}`,
      );
    }
    const db = new Database(this.options, (error) =>
      logger.warn({ err: error }, 'pgboss: idle connection error'),
    );
    try {
      await installSchema(db, this.options.schema);
      const listener = new Listener(listenerConfig(this.options, 'listen'), this.channel, logger);
      await listener.start();
      const now = () => context.clock.now();
      const running: Running = {
        context: { ...context, historyRetentionMs },
        db,
        listener,
        enqueuer: new Enqueuer(db, this.options.schema, this.channel),
        settler: new Settler(db, this.options.schema, this.channel, now),
        jobs: new PgJobStore(db, this.options.schema, this.channel, now),
        queues: new PgQueueControl(db, this.options.schema, this.channel),
        schedules: new PgScheduleStore(db, this.options.schema),
        workers: new PgWorkerRegistry(db, this.options.schema),
        events: new PgEventBus({
          db,
          channel: eventsChannelFor(this.options.schema),
          listenConfig: listenerConfig(this.options, 'events'),
          logger,
        }),
        history: new PgHistoryStore(db, this.options.schema),
        stats: new PgStatsStore(db, this.options.schema, now),
        throttle: new PgThrottle(db, this.options.schema, this.channel, now),
        consumers: new Set(),
        leases: new Map(),
        timers: {},
      };
      listener.subscribe((notification) => {
        if (notification !== 'reconnected' && notification.kind === 'cancel') {
          running.leases.get(notification.jobId)?.requestCancel();
          return;
        }
        for (const consumer of running.consumers) consumer.notify(notification);
      });
      this.running = running;
      this.scheduleRetention(running);
      this.scheduleUpkeep(running);
    } catch (error) {
      await db
        .close()
        .catch((closeError: unknown) =>
          logger.warn({ err: closeError }, 'pgboss: closing the pool after a failed start failed'),
        );
      throw db.wrap('start', error);
    }
  }

  async close(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    await Promise.all([...running.consumers].map((consumer) => consumer.stop()));
    const { clock } = running.context;
    if (running.timers.sweep !== undefined) clock.clearTimeout(running.timers.sweep);
    if (running.timers.retention !== undefined) clock.clearTimeout(running.timers.retention);
    if (running.timers.upkeep !== undefined) clock.clearTimeout(running.timers.upkeep);
    // A lease's slot frees before its completion is written: let those writes finish before the pool ends.
    await running.settler.drain();
    await Promise.all([running.listener.close(), running.events.close()]);
    await running.db.close();
  }

  async enqueue(jobs: NewJob[], options?: AdapterEnqueueOptions): Promise<EnqueueOutcome[]> {
    const running = this.require();
    return running.enqueuer.enqueue(jobs, options?.tx === undefined ? undefined : asExecutor(options.tx));
  }

  consume(queues: string[], options: ConsumeOptions, onLease: (lease: Lease) => Promise<void>): Consumer {
    const running = this.require();
    const consumer = new PgConsumer(
      {
        db: running.db,
        schema: this.options.schema,
        clock: running.context.clock,
        logger: running.context.logger,
        settler: running.settler,
        pollIntervalMs: this.options.pollIntervalMs,
        fetchBatchSize: this.options.fetchBatchSize,
        leases: running.leases,
        foreign: this.foreign,
      },
      queues,
      options,
      onLease,
    );
    running.consumers.add(consumer);
    consumer.start();
    this.scheduleSweep(running);
    this.checkForeignWorkers(running);
    return {
      stop: async () => {
        await consumer.stop();
        running.consumers.delete(consumer);
      },
    };
  }

  /** Warns (once each) about live plain pg-boss workers on queues this process consumes (pgboss-workers-check.ts). */
  private checkForeignWorkers(running: Running): void {
    const queues = [...new Set([...running.consumers].flatMap((consumer) => consumer.queues))];
    const { logger } = running.context;
    findPgBossWorkers(running.db, this.options.schema, queues)
      .then((found) => {
        for (const worker of this.foreignWorkerWarnings.fresh(found))
          logger.warn(
            worker,
            'pgboss: a plain pg-boss worker consumes a Switchyard queue: it takes Switchyard jobs and settles them outside Switchyard (docs/adapters/pgboss.md, "Works with your tools")',
          );
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'pgboss: checking for pg-boss workers failed'));
  }

  /** Runs the expired-lease sweep while any consumer is active, at a pace set by the shortest lease. */
  private scheduleSweep(running: Running): void {
    if (running.timers.sweep !== undefined || running.consumers.size === 0 || this.running !== running)
      return;
    const shortest = Math.min(...[...running.consumers].map((consumer) => consumer.leaseDurationMs));
    const { clock, logger } = running.context;
    running.timers.sweep = clock.setTimeout(() => {
      running.timers.sweep = undefined;
      redeliverExpiredLeases(running.db, this.options.schema, this.channel, clock.now())
        .then((count) => {
          if (count > 0) logger.info({ count }, 'pgboss: redelivered jobs whose lease expired');
        })
        .catch((error: unknown) => logger.error({ err: error }, 'pgboss: expired-lease sweep failed'))
        .finally(() => this.scheduleSweep(running));
    }, leaseSweepIntervalMs(shortest));
  }

  /** Deletes finished jobs past `context.retention`, periodically. */
  private scheduleRetention(running: Running): void {
    const interval = retentionIntervalMs(running.context.retention);
    if (interval === undefined || this.running !== running) return;
    const { clock, logger } = running.context;
    running.timers.retention = clock.setTimeout(() => {
      running.timers.retention = undefined;
      applyRetention(running.db, this.options.schema, running.context.retention, clock.now())
        .then((count) => {
          if (count > 0) logger.debug({ count }, 'pgboss: removed jobs past retention');
        })
        .catch((error: unknown) => logger.error({ err: error }, 'pgboss: retention failed'))
        .finally(() => this.scheduleRetention(running));
    }, interval);
  }

  /** Prunes history past `context.historyRetentionMs` and dead workers' rows, periodically. */
  private scheduleUpkeep(running: Running): void {
    if (this.running !== running) return;
    const { clock, logger } = running.context;
    const historyRetentionMs = running.context.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS;
    running.timers.upkeep = clock.setTimeout(() => {
      running.timers.upkeep = undefined;
      Promise.all([
        runUpkeep(running.db, this.options.schema, historyRetentionMs, clock.now()),
        // pg-boss's side (its counters, the re-insert stash): a failure is logged on its own.
        Promise.all([
          refreshPgBossCounters(running.db, this.options.schema, clock.now()),
          pruneStash(running.db, this.options.schema, clock.now()),
        ]).catch((error: unknown) =>
          logger.warn({ err: error }, 'pgboss: pg-boss counters/stash upkeep failed'),
        ),
      ])
        .then(([removed]) => {
          this.checkForeignWorkers(running);
          if (removed.history + removed.workers > 0)
            logger.debug(removed, 'pgboss: pruned history cells and dead workers');
        })
        .catch((error: unknown) => logger.error({ err: error }, 'pgboss: history/worker upkeep failed'))
        .finally(() => this.scheduleUpkeep(running));
    }, upkeepIntervalMs(historyRetentionMs));
  }

  private require(): Running {
    if (!this.running) throw new NotStartedError('pgboss adapter');
    return this.running;
  }
}

/** `tx` must be able to run a statement: a `pg` client inside BEGIN, or any `{ query(text, values) }`. */
function asExecutor(tx: unknown): SqlExecutor {
  if (typeof tx === 'object' && tx !== null && typeof (tx as { query?: unknown }).query === 'function') {
    return tx as SqlExecutor;
  }
  throw new InvalidOptionsError(
    'pgboss: `tx` must be a pg client inside BEGIN, or an object with query(text, values)',
  );
}

/** Connection settings for a LISTEN connection, from the connection string or the given pool. */
function listenerConfig(options: ResolvedOptions, role: 'listen' | 'events'): pg.ClientConfig {
  const application_name = `${options.applicationName}-${role}`;
  if (options.connectionString) return { connectionString: options.connectionString, application_name };
  const poolOptions = (options.pool as unknown as { options: Record<string, unknown> }).options;
  return { ...poolOptions, application_name };
}

/** A proxy that forwards every method call to the object `target()` returns at call time. */
function delegate<T extends object>(target: () => T): T {
  return new Proxy({} as T, {
    get(_unused, property) {
      // Not a thenable, not inspectable by symbol: only the store's named methods forward.
      if (typeof property === 'symbol' || property === 'then') return undefined;
      return (...args: unknown[]) => {
        const object = target() as Record<PropertyKey, unknown>;
        const method = object[property];
        if (typeof method !== 'function')
          throw new TypeError(`pgboss adapter: no method ${String(property)}`);
        return (method as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}
