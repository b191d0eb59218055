/**
 * FIFO mode's sweep for jobs whose doorbell may never have been sent: a process that dies between
 * storing a job (an enqueue, a manual retry) and sending its message leaves the job waiting with no
 * message. The write marks the job unrung in the same atomic step (`JobWrite.unrungSince`), and the
 * mark goes once the send succeeded (`markRung`) or the job is claimed or finishes. Every
 * `doorbellSweepIntervalMs` (on the injected clock) the adapter takes up to 1,000 marks older than
 * one interval: a job still waiting gets a new doorbell generation and a message (its old message,
 * if it was sent after all, is then stale and skipped); any other mark is dropped. A resent job
 * takes the end of its message group. (Standard queues: `ticket-sweep.ts`.)
 */
import type { TimerHandle } from '@switchyard/core';
import { confirmRung, ringDoorbells, unrungMarks } from './enqueue.js';
import type { AdapterRuntime } from './runtime.js';

/** Most marks one sweep takes up. */
const SWEEP_BATCH = 1_000;

/** The periodic sweep of one adapter (FIFO mode only). */
export class UnrungSweeper {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly runtime: AdapterRuntime) {}

  start(): void {
    if (!this.runtime.options.fifo || !this.runtime.options.store.unrungBefore) return;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.runtime.clock.clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep; resolves to the doorbells sent again. */
  async sweep(): Promise<number> {
    const { runtime } = this;
    const { store, doorbellSweepIntervalMs } = runtime.options;
    const now = runtime.clock.now();
    const ids = await runtime.records.call('find unrung doorbells', () =>
      store.unrungBefore!(now - doorbellSweepIntervalMs, SWEEP_BATCH),
    );
    let resent = 0;
    for (const id of ids) {
      const outcome = await runtime.records.mutate(
        id,
        ({ record, malformed }) =>
          !malformed &&
          (record.state === 'pending' || record.state === 'scheduled' || record.state === 'retrying')
            ? { ...record, doorbell: record.doorbell + 1 }
            : null,
        unrungMarks(runtime, now),
      );
      if (outcome.status === 'written') {
        runtime.logger.warn(
          { jobId: id },
          "sqs: a job's doorbell was never confirmed sent (its sender died?); sending it again",
        );
        await ringDoorbells(runtime, [outcome.record], now);
        runtime.doorbells.restored++;
        resent++;
      }
      await confirmRung(runtime, [id]);
    }
    return resent;
  }

  /** Arms the next sweep now (not after this one), so an injected clock's ticks are never missed. */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.runtime.clock.setTimeout(() => {
      this.schedule();
      if (this.running) return;
      this.running = this.sweep()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.runtime.logger.warn({ err: error }, 'sqs: the unrung-doorbell sweep failed; will try again'),
        )
        .finally(() => {
          this.running = null;
        });
    }, this.runtime.options.doorbellSweepIntervalMs);
  }
}
