/**
 * The event bus on LISTEN/NOTIFY. `publish` is one `pg_notify` on the schema's events
 * channel (a channel of its own, so processes that only run workers never receive
 * event traffic on their wake-up connection); each subscription LISTENs on a dedicated
 * connection of its own, opened by `subscribe` and ended by `close`.
 *
 * PostgreSQL keeps no log of notifications: a subscriber whose connection drops misses
 * what was sent meanwhile, so it hears `gap` once it is listening again, and a `from`
 * position cannot be honoured (`gap` at once, then live).
 */
import type { EventBus, EventBusHandler, EventBusSubscription, Logger } from '@switchyard/core';
import type pg from 'pg';
import type { Database } from './database.js';
import { ListenConnection } from './listen-connection.js';

/**
 * Largest message published. A NOTIFY payload must be shorter than 8000 bytes; the
 * margin keeps clear of that limit whatever the server's encoding overhead.
 */
export const MAX_NOTIFY_MESSAGE_BYTES = 7900;

/** What the bus needs from the adapter. */
export interface EventBusSettings {
  db: Database;
  channel: string;
  /** Connection settings for each subscription's LISTEN connection. */
  listenConfig: pg.ClientConfig;
  logger: Logger;
}

/** A subscription: its LISTEN connection (exposed so tests can cut it). */
export class PgEventSubscription implements EventBusSubscription {
  constructor(
    readonly connection: ListenConnection,
    private readonly onClose: (subscription: PgEventSubscription) => void,
  ) {}

  async close(): Promise<void> {
    this.onClose(this);
    await this.connection.close();
  }
}

/** Cluster-wide job events through NOTIFY. */
export class PgEventBus implements EventBus {
  readonly maxMessageBytes = MAX_NOTIFY_MESSAGE_BYTES;
  private readonly open = new Set<PgEventSubscription>();

  constructor(private readonly settings: EventBusSettings) {}

  async publish(message: string): Promise<void> {
    // Not retried: a NOTIFY that committed before its connection died would be delivered twice.
    await this.settings.db.queryPrepared('publish events', 'SELECT pg_notify($1, $2)', [
      this.settings.channel,
      message,
    ]);
  }

  async subscribe(handler: EventBusHandler, options: { from?: string } = {}): Promise<EventBusSubscription> {
    const { channel, listenConfig, logger } = this.settings;
    const connection = new ListenConnection(
      listenConfig,
      channel,
      logger,
      {
        payload: (text) => handler.message(text),
        reconnected: () =>
          handler.gap('the event connection to PostgreSQL was lost and re-established; NOTIFY keeps no log'),
      },
      'event LISTEN connection',
    );
    try {
      await connection.start();
    } catch (error) {
      throw this.settings.db.wrap('subscribe to events', error);
    }
    if (options.from !== undefined) {
      handler.gap(`PostgreSQL NOTIFY keeps no log: cannot resume at position "${options.from}"`);
    }
    const subscription = new PgEventSubscription(connection, (closed) => this.open.delete(closed));
    this.open.add(subscription);
    return subscription;
  }

  /** Ends every subscription still open (the adapter is closing; their connections must not outlive it). */
  async close(): Promise<void> {
    await Promise.all([...this.open].map((subscription) => subscription.close()));
  }
}
