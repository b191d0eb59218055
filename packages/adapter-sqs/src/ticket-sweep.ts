/**
 * Strict ordering's safety net: restores tickets for ready jobs no message stands for. Two things
 * can leave a job ready without a ticket: a producer that dies between storing jobs and sending
 * their tickets (SQS refusing the send is handled at once: the enqueue takes the jobs back out),
 * and a message lost outside the adapter (a queue purged, a message deleted by hand).
 *
 * Every `doorbellSweepIntervalMs` (on the injected clock) a consumer with a free slot and no
 * ticket in hand for one of its queues asks the store whether that queue has ready jobs (due
 * delayed ones included) and has not been claimed from for a whole interval by anyone; if so the
 * store records the check as a claim (so other consumers wait another interval) and the consumer
 * sends tickets for the ready jobs, at most 1,000 per queue and check. Bounded: one store call per
 * consumed queue per interval, and a restore at most once per interval per queue. A restore that
 * was not needed (a ticket was in flight after all) only adds surplus tickets, which find nothing
 * or run jobs other tickets would have run.
 */
import type { TimerHandle } from '@switchyard/core';
import { ticketMessages } from './doorbells.js';
import type { AdapterRuntime } from './runtime.js';

/** Most tickets one check sends for one queue. */
const MAX_RESTORE = 1_000;

/** What the sweep asks its consumer. */
export interface TicketSweepHost {
  readonly runtime: AdapterRuntime;
  readonly queues: string[];
  /** True when the consumer could run a job now and holds no ticket of `queue`: a missing ticket would show. */
  starving(queue: string): boolean;
}

/** The periodic check of one consumer. */
export class TicketSweep {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly host: TicketSweepHost) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.host.runtime.clock.clearTimeout(this.timer);
    await this.running;
  }

  /** One check of every consumed queue; resolves to the tickets sent. */
  async check(): Promise<number> {
    const { runtime, queues } = this.host;
    const store = runtime.options.store;
    const interval = runtime.options.doorbellSweepIntervalMs;
    let sent = 0;
    for (const queue of queues) {
      if (this.stopped || !this.host.starving(queue)) continue;
      const missing = await runtime.records.call('check for missing tickets', () =>
        store.missingTickets!(queue, runtime.clock.now(), interval, MAX_RESTORE),
      );
      if (missing === 0) continue;
      runtime.logger.warn(
        { queue, tickets: missing },
        'sqs: ready jobs had no message standing for them (a producer died before sending, or a message was lost); sending fresh tickets',
      );
      const url = await runtime.directory.urlOf(queue);
      await runtime.messages.sendBatch(url, ticketMessages(runtime.options, missing));
      runtime.doorbells.restored += missing;
      sent += missing;
    }
    return sent;
  }

  /** Arms the next check now (not after this one), so an injected clock's ticks are never missed. */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.host.runtime.clock.setTimeout(() => {
      this.schedule();
      if (this.running) return;
      this.running = this.check()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.host.runtime.logger.warn(
            { err: error },
            'sqs: checking for missing tickets failed; will try again',
          ),
        )
        .finally(() => {
          this.running = null;
        });
    }, this.host.runtime.options.doorbellSweepIntervalMs);
  }
}
