/**
 * Publishes this process's job events to the adapter's `EventBus`, so subscribers in
 * every process see them. Events are batched over a millisecond (one message carries
 * many events) and published in order; a failed publish is logged once per
 * outage and the events are dropped (subscribers are told about gaps by their bus only
 * when their own connection breaks, so the docs say events are notifications).
 */
import type { SwitchyardEvents } from './api.js';
import type { BackendHealth } from './backend-health.js';
import type { Clock } from './clock.js';
import { serializeError } from './errors.js';
import { eventNeeds, eventRank } from './event-order.js';
import type { EventTap } from './events.js';
import type { JobRecord } from './job.js';
import { encodeEventMessages, type JobEventType, type WireJobEvent } from './job-events.js';
import type { Logger } from './logger.js';
import type { EventBus } from './operations-contract.js';

/**
 * How long the first event of a quiet spell waits for others before it goes out. Not the next
 * turn of the event loop: a job enqueued in this process wakes a worker here too, and the
 * publish's socket write, sent in that turn, would delay the worker's fetch (its reply is read
 * after the write); on a 2-core VM it added about 0.1 ms to a Redis-backed idle wake-up.
 */
const PUBLISH_DELAY_MS = 1;

export class EventPublisher {
  private buffer: WireJobEvent[] = [];
  private flushScheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private failing = false;
  private publishing = false;

  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Where an unreachable backend is reported instead (logged once per outage with the rest). */
    private readonly health?: BackendHealth,
  ) {}

  /** False when nobody can be listening (an in-process bus without subscribers): callers skip building events. */
  get active(): boolean {
    return this.bus.hasSubscribers?.() ?? true;
  }

  /** `enqueued` for jobs just stored (or put back by a manual retry). */
  enqueued(job: JobRecord, options: { retry?: boolean } = {}): void {
    const event = this.base('enqueued', job, job.state);
    event.runAt = job.runAt.getTime();
    if (options.retry) event.retry = true;
    this.add(event);
  }

  /** `cancelled` for a job cancelled while it waited (not running). */
  cancelledWaiting(job: JobRecord): void {
    const event = this.base('cancelled', job, 'cancelled');
    const needs = eventNeeds('cancelled', job.attempt);
    if (needs !== undefined) event.needs = needs;
    this.add(event);
  }

  /** A tap for a worker's hub: turns its attempt events into wire events. */
  workerTap(workerId: string): EventTap {
    const stalled = new Set<string>();
    return {
      enabled: () => this.active,
      listener: (name, payload) => {
        const event = this.fromWorker(name, payload, workerId, stalled);
        if (event) this.add(event);
      },
    };
  }

  /** Publishes what is buffered and waits for every publish so far. */
  async flush(): Promise<void> {
    this.publishBuffered();
    while (this.publishing || this.buffer.length > 0) {
      await this.chain;
      this.publishBuffered();
    }
  }

  private fromWorker(
    name: keyof SwitchyardEvents,
    payload: SwitchyardEvents[keyof SwitchyardEvents],
    workerId: string,
    stalled: Set<string>,
  ): WireJobEvent | undefined {
    if (!('job' in payload)) return undefined;
    const { job } = payload;
    let event: WireJobEvent;
    switch (name) {
      case 'job:stalled':
        stalled.add(job.id);
        event = this.base('stalled', job, 'running');
        break;
      case 'job:started': {
        const redelivered = stalled.delete(job.id);
        event = this.base('started', job, 'running');
        const needs = eventNeeds('started', job.attempt, { redelivered });
        if (needs !== undefined) event.needs = needs;
        break;
      }
      case 'job:progress':
        event = this.base('progress', job, 'running');
        event.progress = (payload as SwitchyardEvents['job:progress']).progress;
        break;
      case 'job:completed':
        event = this.base('completed', job, 'completed');
        event.durationMs = (payload as SwitchyardEvents['job:completed']).durationMs;
        break;
      case 'job:retrying': {
        const { error, runAt } = payload as SwitchyardEvents['job:retrying'];
        event = this.base('retrying', job, job.state);
        event.error = shortError(error);
        event.runAt = runAt.getTime();
        break;
      }
      case 'job:failed':
        event = this.base('failed', job, 'failed');
        event.error = shortError((payload as SwitchyardEvents['job:failed']).error);
        break;
      case 'job:cancelled':
        event = this.base('cancelled', job, 'cancelled', { running: true });
        break;
      default:
        return undefined;
    }
    event.workerId = workerId;
    return event;
  }

  private base(
    type: JobEventType,
    job: JobRecord,
    state: WireJobEvent['state'],
    options: { running?: boolean } = {},
  ): WireJobEvent {
    return {
      type,
      rank: eventRank(type, job.attempt, options),
      jobId: job.id,
      queue: job.queue,
      task: job.task,
      state,
      attempt: job.attempt,
      at: this.clock.now(),
      createdAt: job.createdAt.getTime(),
    };
  }

  private add(event: WireJobEvent): void {
    this.buffer.push(event);
    if (this.flushScheduled || this.publishing) return;
    this.flushScheduled = true;
    // One message per PUBLISH_DELAY_MS when idle; under load, whatever gathered while the
    // previous publish was in flight goes in the next one (one publish in flight at most).
    setTimeout(() => this.publishBuffered(), PUBLISH_DELAY_MS);
  }

  private publishBuffered(): void {
    this.flushScheduled = false;
    if (this.buffer.length === 0 || this.publishing) return;
    const messages = encodeEventMessages(this.buffer, this.bus.maxMessageBytes);
    this.buffer = [];
    this.publishing = true;
    this.chain = this.chain.then(async () => {
      try {
        for (const message of messages) await this.bus.publish(message);
        if (this.failing) {
          this.failing = false;
          this.logger.info({}, 'switchyard: publishing job events works again');
        }
      } catch (error) {
        if (this.health?.failed(error, 'publish events')) return;
        if (!this.failing) {
          this.failing = true;
          this.logger.warn(
            { err: error },
            'switchyard: could not publish job events; subscribers in other processes miss them until the backend answers',
          );
        }
      } finally {
        this.publishing = false;
        if (this.buffer.length > 0) this.publishBuffered();
      }
    });
  }
}

function shortError(error: Error): { name: string; message: string } {
  const { name, message } = serializeError(error);
  return { name, message };
}
