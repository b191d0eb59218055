/**
 * `adapter.history`: throughput cells in the job-state store (per minute and per hour, so a
 * week read by the hour touches 168 buckets, not 10,080), and the maintenance that prunes
 * cells older than the yard's `historyRetentionMs` on the yard's clock.
 */
import type { HistoryStore, TimerHandle } from '@switchyard/core';
import type { AdapterRuntime } from './runtime.js';

/** Builds `adapter.history`: one store call per record (core batches cells per flush interval). */
export function createHistoryStore(runtime: AdapterRuntime): HistoryStore {
  const { records } = runtime;
  const store = runtime.options.store;
  return {
    record: (cells) =>
      cells.length === 0
        ? Promise.resolve()
        : records.call('record throughput history', () =>
            store.recordHistory(cells, runtime.historyRetentionMs),
          ),
    read: (query) =>
      records
        .call('read throughput history', () =>
          store.readHistory({ fromMs: query.from.getTime(), toMs: query.to.getTime(), bucket: query.bucket }),
        )
        .then((cells) =>
          cells.filter(
            (cell) =>
              (query.queue === undefined || cell.queue === query.queue) &&
              (query.task === undefined || cell.task === query.task),
          ),
        ),
  };
}

/** Prunes history past retention on start and then every `retentionSweepIntervalMs`; `stop()` ends it. */
export class HistoryPruner {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private again = false;

  constructor(private readonly runtime: AdapterRuntime) {}

  start(): void {
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.runtime.clock.clearTimeout(this.timer);
    while (this.running) await this.running;
  }

  /** Deletes every cell whose bucket ended before `now - historyRetentionMs`; how many buckets went. */
  prune(): Promise<number> {
    const { runtime } = this;
    const cutoff = runtime.clock.now() - runtime.historyRetentionMs;
    return runtime.records.call('prune throughput history', () => runtime.options.store.pruneHistory(cutoff));
  }

  /** Arms the next tick, then prunes (or asks the prune in progress to run again, with the new time). */
  private tick(): void {
    if (this.stopped) return;
    this.timer = this.runtime.clock.setTimeout(
      () => this.tick(),
      this.runtime.options.retentionSweepIntervalMs,
    );
    this.requestPrune();
  }

  private requestPrune(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.prune()
      .then(() => undefined)
      .catch((error: unknown) =>
        this.runtime.logger.warn({ err: error }, 'sqs: pruning throughput history failed; will try again'),
      )
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.requestPrune();
        }
      });
  }
}
