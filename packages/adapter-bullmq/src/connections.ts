/**
 * The adapter's Redis connections, and how each behaves while Redis is unreachable.
 *
 * - The **command connection** (enqueue, `jobs.*`, `queues.*`, `schedules.*`, operations) fails
 *   at once: no offline queue, no retry of a command in flight when the connection drops, no
 *   resend after reconnecting. A call made during an outage is refused right away (core turns it
 *   into `BackendUnavailableError`), and nothing it sent is written later behind the caller's back.
 * - **Worker and subscriber connections** ride the outage: BullMQ's blocking fetch, the lease
 *   moves and the event reads wait for ioredis to reconnect (with its backoff) and then go on.
 *   A settle sent during an outage lands when Redis is back, and only if the lease still holds
 *   (BullMQ's scripts check the lock token).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { BullmqAdapterOptions, RedisClient } from './options.js';

/** Fail fast: what the command connection sets. */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  // Rejects a command in flight when its connection drops, instead of resending it later.
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
};

/** Wait out a reconnect: BullMQ workers block, and their commands must survive a dropped socket. */
const RIDE_OUTAGES: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: null,
  autoResendUnfulfilledCommands: true,
};

/** ioredis' reconnect delay: 50 ms more per attempt, at most 2 s (its default, stated here on purpose). */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 50, 2000);
}

/**
 * The adapter's own command connection, made from `connection` (a URL, options, or your instance,
 * which is duplicated and never closed by the adapter). It connects on `start()`.
 */
export function createCommandClient(connection: BullmqAdapterOptions['connection']): RedisClient {
  if (connection instanceof Cluster) {
    return connection.duplicate(undefined, {
      lazyConnect: true,
      enableOfflineQueue: false,
      redisOptions: { ...connection.options.redisOptions, ...FAIL_FAST },
    });
  }
  if (connection instanceof Redis) return connection.duplicate({ ...FAIL_FAST, lazyConnect: true });
  const settings: RedisOptions = { retryStrategy: reconnectDelay, ...FAIL_FAST, lazyConnect: true };
  if (typeof connection === 'string') return new Redis(connection, settings);
  return new Redis({ retryStrategy: reconnectDelay, ...connection, ...FAIL_FAST, lazyConnect: true });
}

/** A connection that rides outages (a worker's or a subscriber's), with the same server settings plus `extra`. */
export function createRidingClient(client: RedisClient, extra: RedisOptions = {}): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate(undefined, {
      enableOfflineQueue: true,
      redisOptions: { ...client.options.redisOptions, ...extra, ...RIDE_OUTAGES },
    });
  }
  return client.duplicate({ ...extra, ...RIDE_OUTAGES });
}

/** host:port of a single Redis, or "the cluster" (for error messages). */
export function describeServer(client: RedisClient): string {
  if (client instanceof Cluster) return 'the cluster';
  const options = client.options as { host?: string; port?: number };
  return `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}

/**
 * Drops a connection now and settles everything it still holds. ioredis' `disconnect()` while it
 * waits out a reconnect backoff ("reconnecting": no socket) neither emits `end` nor rejects the
 * commands queued for after the reconnect, so whoever awaits either (BullMQ closing its blocking
 * connection, a read loop) would wait forever; starting the reconnect first gives the disconnect
 * a socket to close, and its close handler ends the client and rejects what was queued.
 */
export function disconnectNow(client: RedisClient): void {
  endReconnectBackoff(client);
  client.disconnect();
}

/**
 * Reconnects now if the client is waiting out a reconnect backoff, so that a disconnect
 * following it (ours, or BullMQ's when a worker closes) closes a socket; see `disconnectNow`.
 * Takes `unknown`: BullMQ hands its clients out under its own interface type.
 */
export function endReconnectBackoff(client: unknown): void {
  // The backoff timer stays armed; when it fires, ioredis' connect() finds the client busy and is a no-op.
  if (client instanceof Redis && client.status === 'reconnecting') client.connect().catch(() => {});
}

/** Closes a connection the adapter owns: QUIT when connected, else just stop reconnecting. */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch (error) {
      // QUIT raced a dropped connection: nothing left to flush, so drop the socket.
      disconnectNow(client);
      if (
        !/Connection is closed|max retries per request|Stream isn't writeable/i.test((error as Error).message)
      )
        throw error;
      return;
    }
  }
  disconnectNow(client);
}
