/**
 * One dedicated connection that LISTENs on one channel and stays connected: when the
 * connection dies (`pg_terminate_backend`, a failover, a network cut) it reconnects with
 * backoff and reports `reconnected`, because notifications sent while it was away are
 * lost (PostgreSQL keeps no log of them). Used for job wake-ups and for the event bus.
 */
import type { Logger } from '@switchyard/core';
import pg from 'pg';

/** What a `ListenConnection` reports. */
export interface ListenHandlers {
  /** One notification's payload on the channel. */
  payload(text: string): void;
  /** The connection was lost and is LISTENing again; anything sent meanwhile was missed. */
  reconnected(): void;
}

const FIRST_RECONNECT_DELAY_MS = 50;
const MAX_RECONNECT_DELAY_MS = 2000;

/** Keeps one LISTEN connection alive. */
export class ListenConnection {
  private client: pg.Client | undefined;
  private closed = false;
  private reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly handlers: ListenHandlers,
    /** Names the connection in log lines. */
    private readonly what = 'LISTEN connection',
  ) {}

  /** Connects and LISTENs; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** The backend process id of the current connection (tests cut it with `pg_terminate_backend`). */
  get backendPid(): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client)
      await client
        .end()
        .catch((error: unknown) => this.logger.debug({ err: error }, `pgboss: ${this.what} close failed`));
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.clientConfig);
    client.on('error', (error) => {
      this.logger.warn({ err: error }, `pgboss: ${this.what} lost; reconnecting`);
      this.replace(client);
    });
    client.on('end', () => this.replace(client));
    client.on('notification', (message) => {
      if (message.channel !== this.channel || message.payload === undefined) return;
      this.handlers.payload(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      client
        .end()
        .catch((endError: unknown) =>
          this.logger.debug({ err: endError }, `pgboss: closing a failed ${this.what} failed`),
        );
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
  }

  /** Drops a dead client and reconnects with backoff, then reports `reconnected`. */
  private replace(dead: pg.Client): void {
    if (this.client !== dead || this.closed) return;
    this.client = undefined;
    dead
      .end()
      .catch((error: unknown) =>
        this.logger.debug({ err: error }, `pgboss: closing the dead ${this.what} failed`),
      );
    const retry = (): void => {
      if (this.closed) return;
      this.connect()
        .then(() => {
          if (!this.closed) this.handlers.reconnected();
        })
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, `pgboss: ${this.what} reconnect failed; retrying`);
          this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, MAX_RECONNECT_DELAY_MS);
          setTimeout(retry, this.reconnectDelayMs).unref();
        });
    };
    setTimeout(retry, this.reconnectDelayMs).unref();
  }
}
