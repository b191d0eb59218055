/**
 * `pgBossAdapter`: Switchyard on pg-boss 12. pg-boss owns the schema (its job
 * and queue tables, enum, migrations, queue registration); Switchyard adds the
 * columns and indexes it needs and drives claiming, leases and settlement with
 * its own statements on pg-boss's job table (see docs/adapters/pgboss.md).
 */
import {
  type AdapterCapabilities,
  type AdapterEnqueueOptions,
  type AdapterStartContext,
  type ConsumeOptions,
  type Consumer,
  type EnqueueOutcome,
  InvalidOptionsError,
  type Lease,
  type NewJob,
  NotStartedError,
  type QueueAdapter,
  type TimerHandle,
} from '@switchyard/core';
import { PgConsumer } from './consume.js';
import { Database, type SqlExecutor } from './database.js';
import { Enqueuer } from './enqueue.js';
import type { PgLease } from './lease.js';
import {
  applyRetention,
  leaseSweepIntervalMs,
  redeliverExpiredLeases,
  retentionIntervalMs,
} from './maintenance.js';
import { channelFor, Listener } from './notify.js';
import { type PgBossAdapterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { PgJobStore } from './queries.js';
import { PgQueueControl } from './queues.js';
import { PgScheduleStore } from './schedules.js';
import { installSchema } from './schema.js';
import { Settler } from './settle.js';

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
});

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
  consumers: Set<PgConsumer>;
  leases: Map<string, PgLease>;
  timers: { sweep?: TimerHandle; retention?: TimerHandle };
}

/** Builds a Switchyard adapter on pg-boss 12 (PostgreSQL). */
export function pgBossAdapter(options: PgBossAdapterOptions): QueueAdapter {
  const resolved = resolveOptions(options);
  return new PgBossQueueAdapter(resolved);
}

class PgBossQueueAdapter implements QueueAdapter {
  readonly name = 'pgboss';
  readonly specVersion = 1 as const;
  readonly capabilities = PGBOSS_CAPABILITIES;
  readonly jobs: PgJobStore;
  readonly queues: PgQueueControl;
  readonly schedules: PgScheduleStore;
  private running: Running | undefined;
  private readonly channel: string;

  constructor(private readonly options: ResolvedOptions) {
    this.channel = channelFor(options.schema);
    // The stores delegate to the running instance so they can be handed out before start().
    this.jobs = delegate(() => this.require().jobs) as PgJobStore;
    this.queues = delegate(() => this.require().queues) as PgQueueControl;
    this.schedules = delegate(() => this.require().schedules) as PgScheduleStore;
  }

  async start(context: AdapterStartContext): Promise<void> {
    if (this.running) return;
    const logger = context.logger;
    const db = new Database(this.options, (error) =>
      logger.warn({ err: error }, 'pgboss: idle connection error'),
    );
    try {
      await installSchema(db, this.options.schema);
      const listener = new Listener(listenerConfig(this.options), this.channel, logger);
      await listener.start();
      const now = () => context.clock.now();
      const running: Running = {
        context,
        db,
        listener,
        enqueuer: new Enqueuer(db, this.options.schema, this.channel),
        settler: new Settler(db, this.options.schema, this.channel, now),
        jobs: new PgJobStore(db, this.options.schema, this.channel, now),
        queues: new PgQueueControl(db, this.options.schema, this.channel),
        schedules: new PgScheduleStore(db, this.options.schema),
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
    // A lease's slot frees before its completion is written: let those writes finish before the pool ends.
    await running.settler.drain();
    await running.listener.close();
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
      },
      queues,
      options,
      onLease,
    );
    running.consumers.add(consumer);
    consumer.start();
    this.scheduleSweep(running);
    return {
      stop: async () => {
        await consumer.stop();
        running.consumers.delete(consumer);
      },
    };
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

/** Connection settings for the LISTEN connection, from the connection string or the given pool. */
function listenerConfig(options: ResolvedOptions) {
  if (options.connectionString) {
    return {
      connectionString: options.connectionString,
      application_name: `${options.applicationName}-listen`,
    };
  }
  const poolOptions = (options.pool as unknown as { options: Record<string, unknown> }).options;
  return { ...poolOptions, application_name: `${options.applicationName}-listen` };
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
