/**
 * The operations side of a yard on a `specVersion: 2` adapter: live workers,
 * cluster-wide events, throughput history, statistics and bulk actions. On a
 * version 1 adapter every call is refused with `CapabilityError`.
 */
import type { QueueAdapter, QueueAdapterV2 } from './adapter.js';
import type { YardStats, YardWorkers } from './api.js';
import type { BackendHealth } from './backend-health.js';
import { type BulkPlan, type BulkProgress, runBulk } from './bulk.js';
import type { Clock } from './clock.js';
import { CapabilityError } from './errors.js';
import { EventPublisher } from './event-publisher.js';
import {
  type ClusterEventListener,
  EventSubscriptions,
  type SubscribeOptions,
} from './event-subscriptions.js';
import { bucketStart, HistoryRecorder, historyPoints, normalizeHistoryQuery } from './history.js';
import type { JobRecord } from './job.js';
import type { Logger } from './logger.js';
import { summarize, THROUGHPUT_WINDOW_MINUTES } from './stats-summary.js';
import { decodeWorkers } from './worker-presence.js';

/** Settings the yard passes in. */
export interface OperationsSettings {
  adapter: QueueAdapter;
  clock: Clock;
  logger: Logger;
  publishEvents: boolean;
  /** Count finished attempts into the history (this process's share). */
  recordHistory: boolean;
  historyFlushMs: number;
  /** Where an unreachable backend is reported (logged once per outage with the rest). */
  health?: BackendHealth;
  /** Runs one backend call with the yard's timeout and error mapping. */
  call<T>(what: string, call: () => Promise<T>): Promise<T>;
}

export class YardOperations {
  /** Publishes this process's events; undefined on version 1 adapters or when publishing is off. */
  readonly publisher?: EventPublisher;
  /** Counts finished attempts for the history; undefined on version 1 adapters. */
  readonly history?: HistoryRecorder;
  readonly workers: YardWorkers;
  readonly stats: YardStats;
  private readonly subscriptions?: EventSubscriptions;

  constructor(private readonly settings: OperationsSettings) {
    const { adapter, clock, logger } = settings;
    const v2 = adapter.specVersion === 2 ? adapter : undefined;
    if (v2) {
      if (settings.publishEvents)
        this.publisher = new EventPublisher(v2.events, clock, logger, settings.health);
      this.subscriptions = new EventSubscriptions(v2.events, clock, logger);
      if (settings.recordHistory) {
        this.history = new HistoryRecorder(
          v2.history,
          clock,
          logger,
          settings.historyFlushMs,
          settings.health,
        );
      }
    }
    const call = settings.call;
    this.workers = {
      list: async () => {
        const registry = this.v2('workers.list').workers;
        const entries = await call('workers.list', () => registry.list(new Date(clock.now())));
        return decodeWorkers(entries, clock.now(), logger);
      },
    };
    this.stats = {
      summary: async () => {
        const adapter = this.v2('stats.summary');
        const now = clock.now();
        const [snapshots, workers, recent] = await Promise.all([
          call('stats.queues', () => adapter.stats.queues()),
          this.workers.list(),
          call('history.read', () =>
            adapter.history.read({
              from: new Date(bucketStart(now, '1m') - (THROUGHPUT_WINDOW_MINUTES - 1) * 60_000),
              to: new Date(now + 1),
              bucket: '1m',
            }),
          ),
        ]);
        return summarize(snapshots, workers, recent, now);
      },
      history: async (query) => {
        const adapter = this.v2('stats.history');
        const range = normalizeHistoryQuery(query);
        return historyPoints(await call('history.read', () => adapter.history.read(range)), range);
      },
    };
  }

  /** True when the adapter speaks the operations contract. */
  get available(): boolean {
    return this.settings.adapter.specVersion === 2;
  }

  /** True when events should be built and published now. */
  get publishing(): boolean {
    return this.publisher?.active ?? false;
  }

  subscribe(listener: ClusterEventListener, options?: SubscribeOptions): Promise<() => Promise<void>> {
    this.v2('subscribe');
    return this.subscriptions!.subscribe(listener, options);
  }

  /** Events as they arrive, unordered: wake-ups for `waitFor`. */
  subscribeUnordered(listener: ClusterEventListener): Promise<() => Promise<void>> {
    this.v2('jobs.waitFor');
    return this.subscriptions!.subscribeUnordered(listener);
  }

  /** Runs a validated bulk plan; `changed` announces the jobs it changed. */
  bulk(plan: BulkPlan, changed: (jobs: JobRecord[]) => void): Promise<BulkProgress> {
    const adapter = this.v2(
      `jobs.${plan.action === 'remove' && plan.filter.finishedBefore ? 'clean' : 'bulk'}`,
    );
    const { call } = this.settings;
    return runBulk(plan, {
      list: (query) => call('jobs.list', () => adapter.jobs.list(query)),
      bulk: (ids, action, onlyIn) =>
        call(`jobs.bulk ${action}`, () => adapter.jobs.bulk(ids, action, onlyIn)),
      changed,
    });
  }

  /** Flushes events and history, closes subscriptions (the yard is closing). */
  async close(): Promise<void> {
    await Promise.all([this.publisher?.flush(), this.history?.close(), this.subscriptions?.close()]);
  }

  /** The adapter as version 2, or `CapabilityError` naming the call. */
  v2(call: string): QueueAdapterV2 {
    const { adapter } = this.settings;
    if (adapter.specVersion !== 2) {
      throw new CapabilityError(
        adapter.name,
        'specVersion 2',
        `${call} needs the operations contract (adapter specVersion 2); this adapter implements specVersion ${adapter.specVersion}`,
      );
    }
    return adapter;
  }
}
