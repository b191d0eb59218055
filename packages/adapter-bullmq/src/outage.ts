/**
 * One log line when Redis becomes unreachable and one when it is back, however many connections
 * drop and however many reconnect attempts fail in between (each attempt's error is debug only).
 */
import { BackendUnavailableError, isConnectionError, type Logger } from '@switchyard/core';
import type { RedisClient } from './options.js';

/** Watches the adapter's connections and logs the start and end of each outage once. */
export class OutageLog {
  /** Connections that are reconnecting. */
  private readonly down = new Set<string>();
  private downSince = 0;
  private lastError: unknown;

  /** `logger` is read at each event (core hands it over in `start()`). */
  constructor(private readonly logger: () => Logger) {}

  /** True while at least one watched connection is reconnecting. */
  get inOutage(): boolean {
    return this.down.size > 0;
  }

  /** Follows `client`'s reconnects; `name` tells its role in the logs (`commands`, `worker:<queue>`). */
  watch(client: RedisClient, name: string): void {
    client.on('reconnecting', () => this.lost(name));
    client.on('ready', () => this.back(name));
    // A connection closed on purpose leaves the outage without ending it.
    client.on('end', () => this.down.delete(name));
    client.on('error', (error: Error) => this.error(name, error));
  }

  /** An error from a watched connection or a BullMQ worker: debug during an outage, else a warning. */
  error(name: string, error: unknown): void {
    if (isConnectionError(error) || this.down.has(name)) {
      this.lastError = error;
      this.logger().debug({ err: error, connection: name }, 'bullmq: redis connection error');
      return;
    }
    this.logger().warn({ err: error, connection: name }, 'bullmq: redis error');
  }

  private lost(name: string): void {
    if (this.down.has(name)) return;
    if (this.down.size === 0) {
      this.downSince = performance.now();
      // Always with an outage error, also when the socket closed without one: core's logger takes the
      // line as the start of the outage (and logs it once), instead of warning again at the next call.
      const err = this.lastError ?? new BackendUnavailableError('bullmq', `connection ${name} closed`);
      this.logger().warn(
        { connection: name, err },
        'bullmq: lost the connection to Redis; calls fail with BackendUnavailableError and workers stop taking jobs until it is back (reconnecting with backoff)',
      );
    }
    this.down.add(name);
  }

  private back(name: string): void {
    if (!this.down.delete(name) || this.down.size > 0) return;
    this.lastError = undefined;
    this.logger().info(
      { downtimeMs: Math.round(performance.now() - this.downSince) },
      'bullmq: reconnected to Redis',
    );
  }
}
