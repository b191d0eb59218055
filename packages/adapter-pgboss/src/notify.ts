/**
 * LISTEN/NOTIFY wake-ups. One dedicated connection per adapter LISTENs on the
 * schema's channel; `enqueue`, `retry`, `resume` and `cancel` NOTIFY it. A
 * notification is only a latency hint: consumers still poll as a fallback, and
 * after a reconnect every consumer is woken to pick up anything missed.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@switchyard/core';
import pg from 'pg';

/** The channel for a schema (channels are database-global, so it is derived from the schema). */
export function channelFor(schema: string): string {
  return `switchyard_${createHash('sha1').update(schema).digest('hex').slice(0, 24)}`;
}

/** What a notification says. */
export type Notification =
  /** Jobs were written to `queue`; the earliest becomes ready at `readyAt` (ms). */
  | { kind: 'ready'; queue: string; readyAt: number }
  /** A cancel was requested for running job `jobId`. */
  | { kind: 'cancel'; jobId: string };

/** Parses a payload: `queue|readyAtMs` for new jobs, `!cancel|jobId` for cancel requests. */
export function parseNotification(payload: string): Notification | null {
  if (payload.startsWith('!cancel|')) return { kind: 'cancel', jobId: payload.slice('!cancel|'.length) };
  const bar = payload.lastIndexOf('|');
  if (bar <= 0) return null;
  const readyAt = Number(payload.slice(bar + 1));
  return Number.isFinite(readyAt) ? { kind: 'ready', queue: payload.slice(0, bar), readyAt } : null;
}

/** Builds the payload telling holders a running job's cancel was requested. */
export function cancelPayload(jobId: string): string {
  return `!cancel|${jobId}`;
}

/** Keeps one LISTEN connection alive and fans notifications out to subscribers. */
export class Listener {
  private client: pg.Client | undefined;
  private closed = false;
  private reconnectDelayMs = 50;
  private readonly subscribers = new Set<(notification: Notification | 'reconnected') => void>();

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  /** Connects and LISTENs; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Receives every notification, and `'reconnected'` after the connection was re-established. */
  subscribe(fn: (notification: Notification | 'reconnected') => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client)
      await client
        .end()
        .catch((error: unknown) =>
          this.logger.debug({ err: error }, 'pgboss: LISTEN connection close failed'),
        );
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.clientConfig);
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'pgboss: LISTEN connection lost; reconnecting');
      this.replace(client);
    });
    client.on('end', () => this.replace(client));
    client.on('notification', (message) => {
      if (message.channel !== this.channel || message.payload === undefined) return;
      const notification = parseNotification(message.payload);
      if (notification) this.emit(notification);
    });
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.reconnectDelayMs = 50;
  }

  /** Drops a dead client and reconnects with backoff; subscribers hear `'reconnected'` to catch up. */
  private replace(dead: pg.Client): void {
    if (this.client !== dead || this.closed) return;
    this.client = undefined;
    dead
      .end()
      .catch((error: unknown) =>
        this.logger.debug({ err: error }, 'pgboss: closing the dead LISTEN connection failed'),
      );
    const retry = (): void => {
      if (this.closed) return;
      this.connect()
        .then(() => this.emit('reconnected'))
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'pgboss: LISTEN reconnect failed; retrying');
          this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 2000);
          setTimeout(retry, this.reconnectDelayMs).unref();
        });
    };
    setTimeout(retry, this.reconnectDelayMs).unref();
  }

  private emit(notification: Notification | 'reconnected'): void {
    for (const fn of this.subscribers) fn(notification);
  }
}
