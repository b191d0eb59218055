/**
 * `yard.subscribe`: cluster-wide job events from the adapter's `EventBus`, decoded,
 * validated, put back in per-job causal order and filtered per listener. Listeners
 * share one bus subscription; one that resumes from an event id gets its own.
 */
import type { Clock, TimerHandle } from './clock.js';
import { InvalidOptionsError } from './errors.js';
import { CausalOrder, type OrderedEvent } from './event-order.js';
import {
  type ClusterEvent,
  decodeEventMessage,
  type GapEvent,
  type JobEvent,
  toJobEvent,
} from './job-events.js';
import type { Logger } from './logger.js';
import type { EventBus, EventBusSubscription } from './operations-contract.js';
import { assertValidName } from './task.js';

/** Options of `yard.subscribe`. */
export interface SubscribeOptions {
  /** Only events of these queues. */
  queues?: string[];
  /** Only events of these tasks. */
  tasks?: string[];
  /**
   * Resume after this event id (from a previous `JobEvent.id`, e.g. an SSE `Last-Event-ID`).
   * Where the backend keeps no log (or no longer holds it), the listener first gets a `gap`.
   */
  after?: string;
}

/** A listener of cluster events. */
export type ClusterEventListener = (event: ClusterEvent) => void;

/** Longest an event waits for a predecessor published by another process. */
export const DEFAULT_REORDER_WINDOW_MS = 250;
/** Ids of buses with a log are `<position>.<index>`; others are `n<feed>.<counter>` and cannot be resumed. */
const RESUMABLE_ID = /^([^n].*)\.(\d+)$/;

interface Entry {
  listener: ClusterEventListener;
  queues?: Set<string>;
  tasks?: Set<string>;
  /** Gets events as they arrive, before reordering (for `waitFor`, which only needs a wake-up). */
  raw?: boolean;
}

export class EventSubscriptions {
  private shared?: Promise<Feed>;
  private readonly feeds = new Set<Feed>();
  private feedCount = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly windowMs = DEFAULT_REORDER_WINDOW_MS,
  ) {}

  /** Starts delivering to `listener`; resolves with an unsubscribe function once live. */
  async subscribe(
    listener: ClusterEventListener,
    options: SubscribeOptions = {},
  ): Promise<() => Promise<void>> {
    return this.add(checkSubscribeOptions(listener, options), options.after);
  }

  /** Like `subscribe`, but events arrive unordered, as soon as they are received (`waitFor`'s wake-ups). */
  subscribeUnordered(listener: ClusterEventListener): Promise<() => Promise<void>> {
    return this.add({ listener, raw: true }, undefined);
  }

  private async add(entry: Entry, after: string | undefined): Promise<() => Promise<void>> {
    const resume = after === undefined ? undefined : RESUMABLE_ID.exec(after);
    let feed: Feed;
    if (resume) {
      // The entry joins before the bus subscribes: a replay may be delivered during `subscribe`.
      feed = await this.openFeed(entry, { position: resume[1]!, index: Number(resume[2]) });
    } else {
      this.shared ??= this.openFeed().catch((error) => {
        this.shared = undefined;
        throw error;
      });
      feed = await this.shared;
      feed.entries.add(entry);
    }
    if (after !== undefined && !resume) {
      safeCall(
        entry.listener,
        { type: 'gap', reason: `cannot resume after event "${after}"`, at: new Date(this.clock.now()) },
        this.logger,
      );
    }
    return async () => {
      feed.entries.delete(entry);
      if (feed.entries.size > 0) return;
      if (this.shared && (await this.shared) === feed) this.shared = undefined;
      await this.closeFeed(feed);
    };
  }

  /** Closes every bus subscription (the yard is closing). */
  async close(): Promise<void> {
    this.shared = undefined;
    await Promise.all([...this.feeds].map((feed) => this.closeFeed(feed)));
  }

  private async openFeed(entry?: Entry, from?: { position: string; index: number }): Promise<Feed> {
    const feed = new Feed(++this.feedCount, this.windowMs, this.clock, this.logger, from);
    if (entry) feed.entries.add(entry);
    feed.subscription = await this.bus.subscribe(
      { message: (message, position) => feed.message(message, position), gap: (reason) => feed.gap(reason) },
      from === undefined ? {} : { from: from.position },
    );
    this.feeds.add(feed);
    return feed;
  }

  private async closeFeed(feed: Feed): Promise<void> {
    if (!this.feeds.delete(feed)) return;
    feed.stop();
    await feed.subscription?.close();
  }
}

/** One bus subscription and its reorder buffer. */
class Feed {
  readonly entries = new Set<Entry>();
  subscription?: EventBusSubscription;
  private readonly order: CausalOrder;
  private timer?: TimerHandle;
  private timerAt = Number.POSITIVE_INFINITY;
  private counter = 0;
  private stopped = false;

  constructor(
    private readonly id: number,
    windowMs: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Resuming: skip events up to this one of the first message at `position`. */
    private skip?: { position: string; index: number },
  ) {
    this.order = new CausalOrder({
      windowMs,
      subscribedAt: clock.now(),
      deliver: (event) => this.dispatch(toJobEvent(event.wire, event.id), false),
    });
  }

  message(message: string, position?: string): void {
    if (this.stopped) return;
    const { events, malformed } = decodeEventMessage(message);
    if (malformed > 0) {
      this.logger.warn({ malformed, position }, 'switchyard: ignored malformed job event entries');
    }
    const skip = this.skip;
    if (skip && position !== skip.position) this.skip = undefined;
    const now = this.clock.now();
    events.forEach((wire, index) => {
      if (skip && position === skip.position && index <= skip.index) return;
      const id = position === undefined ? `n${this.id}.${++this.counter}` : `${position}.${index}`;
      this.dispatch(toJobEvent(wire, id), true);
      this.order.push({ wire, id } satisfies OrderedEvent, now);
    });
    this.armTimer();
  }

  gap(reason: string): void {
    if (this.stopped) return;
    this.order.reset();
    const event: GapEvent = { type: 'gap', reason, at: new Date(this.clock.now()) };
    for (const entry of this.entries) safeCall(entry.listener, event, this.logger);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
  }

  private dispatch(event: JobEvent, raw: boolean): void {
    for (const entry of this.entries) {
      if ((entry.raw ?? false) !== raw) continue;
      if (entry.queues && !entry.queues.has(event.queue)) continue;
      if (entry.tasks && !entry.tasks.has(event.task)) continue;
      safeCall(entry.listener, event, this.logger);
    }
  }

  /** One timer for the earliest held event. */
  private armTimer(): void {
    const next = this.order.nextDeadline();
    if (next === undefined || next >= this.timerAt) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        if (this.stopped) return;
        this.order.expire(this.clock.now());
        this.armTimer();
      },
      Math.max(0, next - this.clock.now()),
    );
  }
}

function safeCall(listener: ClusterEventListener, event: ClusterEvent, logger: Logger): void {
  try {
    listener(event);
  } catch (error) {
    logger.error({ err: error, event: event.type }, 'switchyard: a subscribe listener threw');
  }
}

function checkSubscribeOptions(listener: unknown, options: SubscribeOptions): Entry {
  if (typeof listener !== 'function') throw new InvalidOptionsError('subscribe needs a listener function');
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('subscribe options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!['queues', 'tasks', 'after'].includes(key)) {
      throw new InvalidOptionsError(`subscribe: unknown option "${key}"`);
    }
  }
  const entry: Entry = { listener: listener as ClusterEventListener };
  if (options.queues !== undefined) entry.queues = nameSet(options.queues, 'queues');
  if (options.tasks !== undefined) entry.tasks = nameSet(options.tasks, 'tasks');
  if (options.after !== undefined && (typeof options.after !== 'string' || options.after.length > 200)) {
    throw new InvalidOptionsError('subscribe: after must be an event id');
  }
  return entry;
}

function nameSet(names: unknown, what: string): Set<string> {
  if (!Array.isArray(names)) throw new InvalidOptionsError(`subscribe: ${what} must be an array of names`);
  for (const name of names) assertValidName(name, `subscribe: ${what} entry`);
  return new Set(names as string[]);
}
