/**
 * Cluster-wide job events on a Redis stream (`${prefix}::sy:events`). Publishing is one
 * `XADD … MAXLEN ~ <eventLogLength>` per message on the shared connection. Each subscription
 * reads with `XREAD BLOCK` on a connection of its own; a message's `position` is its stream
 * entry id, so a subscriber resumes with `XRANGE` from it (a trimmed position is a gap). After
 * a lost connection the subscriber is told `gap`, then gets what the stream still holds from
 * where it stopped.
 */
import type { EventBus, EventBusHandler, EventBusSubscription } from '@switchyard/core';
import { createRidingClient, disconnectNow } from './connections.js';
import type { AdapterContext } from './context.js';
import { wrapErrors } from './errors.js';
import { eventStreamKey } from './keys.js';
import type { RedisClient } from './options.js';

/** Largest message, in bytes: a batch of events; the stream keeps `eventLogLength` of them. */
export const EVENT_MESSAGE_BYTES = 16 * 1024;
/** How long one `XREAD` blocks before it is issued again (it also probes the connection). */
const BLOCK_MS = 5000;
/** Entries read per call. */
const READ_COUNT = 500;
/** The entry field holding the message. */
const MESSAGE_FIELD = 'm';

type StreamEntry = [id: string, fields: string[]];

/** A stream entry id (`<ms>-<seq>`), the only positions `from` can resume at. */
const ENTRY_ID = /^\d{1,20}-\d{1,20}$/;

/** The message of an entry; '' for an entry not written by the adapter (core reports it as malformed). */
export function messageOf(fields: string[]): string {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === MESSAGE_FIELD) return fields[i + 1] as string;
  }
  return '';
}

/** The event bus, plus `close` for the adapter. */
export interface StreamEventBus extends EventBus {
  /** Closes every subscription still open. */
  close(): Promise<void>;
}

/** Builds the Redis stream event bus. */
export function createEventBus(context: AdapterContext): StreamEventBus {
  const key = eventStreamKey(context.prefix);
  const open = new Set<StreamSubscription>();
  return {
    maxMessageBytes: EVENT_MESSAGE_BYTES,
    publish: (message) =>
      wrapErrors('events.publish', async () => {
        await context.client.xadd(
          key,
          'MAXLEN',
          '~',
          context.options.eventLogLength,
          '*',
          MESSAGE_FIELD,
          message,
        );
      }),
    subscribe: (handler, options) =>
      wrapErrors('events.subscribe', async () => {
        const subscription = new StreamSubscription(context, key, handler, () => open.delete(subscription));
        open.add(subscription);
        try {
          await subscription.open(options?.from);
        } catch (error) {
          await subscription.close();
          throw error;
        }
        return subscription;
      }),
    async close() {
      await Promise.all([...open].map((subscription) => subscription.close()));
    },
  };
}

/** One subscriber's reader: a dedicated connection and its read loop. */
class StreamSubscription implements EventBusSubscription {
  private readonly connection: RedisClient;
  private closed = false;
  private connectedOnce = false;
  private loop?: Promise<void>;
  private failing = false;

  constructor(
    private readonly context: AdapterContext,
    private readonly key: string,
    private readonly handler: EventBusHandler,
    private readonly forget: () => void,
  ) {
    this.connection = createRidingClient(context.client, {
      connectionName: `sy-events:${context.prefix}`,
      lazyConnect: true,
    });
    this.connection.on('error', (error: Error) =>
      context.logger.debug({ err: error }, 'bullmq: event stream connection error'),
    );
    this.connection.on('ready', () => {
      // ioredis reconnected and will resend the pending XREAD from the last position read.
      if (this.connectedOnce && !this.closed) {
        this.safeGap('the event stream connection was lost and re-established');
      }
      this.connectedOnce = true;
    });
  }

  /** Resolves once live: everything added to the stream from now on is delivered. */
  async open(from: string | undefined): Promise<void> {
    if (this.connection.status === 'wait') await this.connection.connect();
    const newest = (await this.connection.xrevrange(this.key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    const live = newest[0]?.[0] ?? '0-0';
    // Deliveries start from the loop, after the caller has its subscription in hand.
    this.loop = this.run(live, from);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.forget();
    // Rejects a pending XREAD even during a reconnect backoff, so the loop ends.
    disconnectNow(this.connection);
    await this.loop;
  }

  private async run(live: string, from: string | undefined): Promise<void> {
    let position = live;
    if (from !== undefined) position = await this.resumeFrom(from, live);
    while (!this.closed) {
      let reply: Array<[string, StreamEntry[]]> | null;
      try {
        reply = (await this.connection.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          this.key,
          position,
        )) as Array<[string, StreamEntry[]]> | null;
      } catch (error) {
        if (this.closed) return;
        await this.pauseAfter(error);
        continue;
      }
      this.recovered();
      for (const [, entries] of reply ?? []) position = this.deliver(entries, position);
    }
  }

  /** Delivers from `from` (included) when the stream still holds it; else reports a gap and goes live. */
  private async resumeFrom(from: string, live: string): Promise<string> {
    if (!ENTRY_ID.test(from)) {
      this.safeGap(`cannot resume at "${from}": not an event stream position`);
      return live;
    }
    let position = live;
    try {
      const first = (await this.connection.xrange(this.key, from, from)) as StreamEntry[];
      if (first.length === 0) {
        this.safeGap(`cannot resume at "${from}": the event stream no longer holds it`);
        return live;
      }
      position = this.deliver(first, from);
      // Catch up to the live position, then XREAD takes over.
      for (;;) {
        const entries = (await this.connection.xrange(
          this.key,
          `(${position}`,
          '+',
          'COUNT',
          READ_COUNT,
        )) as StreamEntry[];
        position = this.deliver(entries, position);
        if (entries.length < READ_COUNT || this.closed) return position;
      }
    } catch (error) {
      if (!this.closed) {
        this.context.logger.warn({ err: error }, 'bullmq: could not resume the event stream');
        this.safeGap(`cannot resume at "${from}": ${(error as Error).message}`);
      }
      return position;
    }
  }

  private deliver(entries: StreamEntry[], position: string): string {
    let last = position;
    for (const [id, fields] of entries) {
      if (this.closed) break;
      last = id;
      try {
        this.handler.message(messageOf(fields), id);
      } catch (error) {
        this.context.logger.error({ err: error }, 'bullmq: an event handler threw');
      }
    }
    return last;
  }

  private safeGap(reason: string): void {
    try {
      this.handler.gap(reason);
    } catch (error) {
      this.context.logger.error({ err: error }, 'bullmq: an event gap handler threw');
    }
  }

  /** A read failed for another reason than a dropped connection (which ioredis waits out). */
  private async pauseAfter(error: unknown): Promise<void> {
    if (!this.failing) {
      this.failing = true;
      this.context.logger.warn({ err: error }, 'bullmq: reading the event stream failed; retrying');
    }
    await new Promise((resolve) => setTimeout(resolve, this.context.options.retryDelayMs));
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.context.logger.info({}, 'bullmq: reading the event stream works again');
  }
}
