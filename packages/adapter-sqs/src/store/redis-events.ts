/**
 * The job-event bus of the Redis store: one Redis stream per namespace. Publishing is an
 * `XADD … MAXLEN ~ n` on the store's connection; each subscription reads with `XREAD BLOCK`
 * on a dedicated connection of its own (a blocked connection can serve nothing else). Entry
 * ids are resumable positions. When that connection breaks the subscriber is told (`gap`),
 * and reading resumes on a new connection after the last entry received, so what is still
 * in the log is not lost.
 */
import type { EventBus, EventBusHandler, EventBusSubscription } from '@switchyard/core';
import type { Redis } from 'ioredis';
import { compareStreamIds, parseStreamId, streamIdBefore } from './stream-ids.js';

/** Largest event message (core splits larger batches): a stream entry of at most 64 KiB. */
export const EVENT_MESSAGE_BYTES = 64 * 1024;
/** How long one XREAD blocks before it is issued again. */
const BLOCK_MS = 5_000;
/** Entries delivered per XREAD. */
const READ_COUNT = 1_000;
/** Reconnect delays after the dedicated connection broke. */
const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2_000;

/** Where the stream lives and how to reach Redis. */
export interface RedisEventStreamSettings {
  /** The stream's key. */
  key: string;
  /** Approximate number of entries kept (`MAXLEN ~`): how far back a subscriber can resume. */
  maxLength: number;
  /** The store's shared connection (publishing). */
  shared: () => Promise<Redis>;
  /** Opens a new connection for one subscription; it must not reconnect by itself. */
  dedicated: () => Promise<Redis>;
}

/** The event bus on a Redis stream. */
export class RedisEventStream implements EventBus {
  readonly maxMessageBytes = EVENT_MESSAGE_BYTES;
  private readonly readers = new Set<StreamReader>();

  constructor(private readonly settings: RedisEventStreamSettings) {}

  async publish(message: string): Promise<void> {
    const { key, maxLength } = this.settings;
    await (await this.settings.shared()).xadd(key, 'MAXLEN', '~', String(maxLength), '*', 'm', message);
  }

  async subscribe(handler: EventBusHandler, options: { from?: string } = {}): Promise<EventBusSubscription> {
    const reader = new StreamReader(this.settings, handler, () => this.readers.delete(reader));
    await reader.start(options.from);
    this.readers.add(reader);
    return reader;
  }

  /** Ends every subscription (the store is closing). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.readers].map((reader) => reader.close()));
  }
}

/** One subscription: a read loop on its own connection. */
class StreamReader implements EventBusSubscription {
  private connection: Redis | null = null;
  private lastId = '0-0';
  private closed = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly settings: RedisEventStreamSettings,
    private readonly handler: EventBusHandler,
    private readonly onClosed: () => void,
  ) {}

  async start(from: string | undefined): Promise<void> {
    const connection = await this.settings.dedicated();
    this.connection = connection;
    try {
      this.lastId = await this.startAfter(connection, from);
    } catch (error) {
      this.connection = null;
      connection.disconnect();
      throw error;
    }
    this.loop = this.run();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    // Disconnecting rejects the blocked XREAD, which ends the loop.
    this.connection?.disconnect();
    await this.loop;
    this.onClosed();
  }

  /** The id to read after: the newest entry (live), or the entry before `from` when the log still holds it. */
  private async startAfter(connection: Redis, from: string | undefined): Promise<string> {
    const { key } = this.settings;
    const live = async (): Promise<string> => {
      const [newest] = await connection.xrevrange(key, '+', '-', 'COUNT', 1);
      return newest?.[0] ?? '0-0';
    };
    if (from === undefined) return live();
    if (parseStreamId(from) === null) {
      this.handler.gap(`cannot resume at "${from}": not a position of this event stream`);
      return live();
    }
    const [oldest] = await connection.xrange(key, '-', '+', 'COUNT', 1);
    if (!oldest || compareStreamIds(oldest[0], from) > 0) {
      this.handler.gap(`position ${from} is no longer in the event log (trimmed)`);
      return live();
    }
    return streamIdBefore(from);
  }

  private async run(): Promise<void> {
    const { key } = this.settings;
    let backoffMs = FIRST_BACKOFF_MS;
    let interrupted = false;
    while (!this.closed) {
      try {
        this.connection ??= await this.settings.dedicated();
        const reply = (await this.connection.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          key,
          this.lastId,
        )) as Array<[string, Array<[string, string[]]>]> | null;
        backoffMs = FIRST_BACKOFF_MS;
        interrupted = false;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            if (this.closed) return;
            this.lastId = id;
            this.handler.message(messageOf(fields), id);
          }
        }
      } catch (error) {
        if (this.closed) return;
        this.connection?.disconnect();
        this.connection = null;
        if (!interrupted) {
          interrupted = true;
          this.handler.gap(
            `the Redis connection of the event stream broke (${describe(error)}); resuming after the last event received`,
          );
        }
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** Waits `ms`, or less when the subscription closes. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }
}

/** The message of an entry: its `m` field (entries written by others are passed on for core to judge). */
function messageOf(fields: string[]): string {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === 'm') return fields[index + 1]!;
  }
  return fields[1] ?? '';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
