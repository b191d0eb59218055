/**
 * LISTEN/NOTIFY wake-ups. One dedicated connection per adapter LISTENs on the
 * schema's channel; `enqueue`, `retry`, `resume` and `cancel` NOTIFY it. A
 * notification is only a latency hint: consumers still poll as a fallback, and
 * after a reconnect every consumer is woken to pick up anything missed.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@switchyard/core';
import type pg from 'pg';
import { ListenConnection } from './listen-connection.js';

/** The channel for a schema (channels are database-global, so it is derived from the schema). */
export function channelFor(schema: string): string {
  return `switchyard_${createHash('sha1').update(schema).digest('hex').slice(0, 24)}`;
}

/** The channel job events are published on (see `events.ts`): the wake-up channel's name plus `_events`. */
export function eventsChannelFor(schema: string): string {
  return `${channelFor(schema)}_events`;
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

/** Keeps the wake-up LISTEN connection alive and fans notifications out to subscribers. */
export class Listener {
  private readonly connection: ListenConnection;
  private readonly subscribers = new Set<(notification: Notification | 'reconnected') => void>();

  constructor(clientConfig: pg.ClientConfig, channel: string, logger: Logger) {
    this.connection = new ListenConnection(clientConfig, channel, logger, {
      payload: (text) => {
        const notification = parseNotification(text);
        if (notification) this.emit(notification);
      },
      reconnected: () => this.emit('reconnected'),
    });
  }

  /** Connects and LISTENs; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.connection.start();
  }

  /** Receives every notification, and `'reconnected'` after the connection was re-established. */
  subscribe(fn: (notification: Notification | 'reconnected') => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private emit(notification: Notification | 'reconnected'): void {
    for (const fn of this.subscribers) fn(notification);
  }
}
