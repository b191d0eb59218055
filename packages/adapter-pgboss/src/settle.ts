/**
 * Settlement statements. Each is one UPDATE guarded by the lease token and
 * `state = 'active'` (lease-guard.ts), so a worker that lost its lease (and whose job was
 * redelivered, with a new token) cannot overwrite anything. Completions are
 * batched: every `complete` issued in the same tick goes out as one statement,
 * and while that statement is in flight the next completions wait and grow.
 */

import type { SerializedError } from '@switchyard/core';
import type { Database } from './database.js';
import { failInTransaction } from './fail-transaction.js';
import { leaseHeld } from './lease-guard.js';
import { PGBOSS_QUEUED_EXPIRY } from './pgboss-columns.js';

/** Identifies one delivery. */
export interface LeaseKey {
  queue: string;
  id: string;
  token: string;
}

/** A `complete` waiting to be written, with the promise its caller awaits. */
interface PendingCompletion {
  key: LeaseKey;
  result: unknown;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Completion statements in flight at once. Completions arriving meanwhile wait and go out together when it
 * returns (group commit): fewer, larger statements leave the database more room for the claims, which is
 * what bounds throughput (a completion no longer holds a slot). Measured on 2 cores: 1 beats 2 in 5 of 7
 * paired runs (median 5,257 vs 4,050 jobs/s at concurrency 20).
 */
const MAX_PARALLEL_FLUSHES = 1;

/** Runs settlement statements for one adapter. */
export class Settler {
  private batch: PendingCompletion[] = [];
  private flushScheduled = false;
  private flushesInFlight = 0;

  constructor(
    private readonly db: Database,
    private readonly schema: string,
    private readonly channel: string,
    private readonly now: () => number,
  ) {}

  /** running → completed with `result`; resolves once stored, batched with the other completions of this tick. */
  complete(key: LeaseKey, result: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batch.push({ key, result, resolve, reject });
      this.scheduleFlush();
    });
  }

  /**
   * Resolves once every completion handed in so far has been written (or has failed), or after
   * `timeoutMs` (a hung connection must not hang `close()`; a write still pending then fails with the pool).
   */
  async drain(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (
      (this.batch.length > 0 || this.flushesInFlight > 0 || this.flushScheduled) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Flushes on the next turn of the event loop, unless enough flushes are already running (then when one ends). */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.batch.length === 0 || this.flushesInFlight >= MAX_PARALLEL_FLUSHES)
      return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** One UPDATE ... FROM unnest() for the whole batch, guarded by each lease token. */
  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    this.flushScheduled = false;
    if (batch.length === 0) return;
    this.flushesInFlight++;
    const [names, ids, tokens, outputs] = completionArrays(batch);
    this.db
      .queryRetrying('complete', completionSql(this.schema), [
        names,
        ids,
        tokens,
        outputs,
        new Date(this.now()),
      ])
      .then(
        () => {
          for (const entry of batch) entry.resolve();
        },
        (error: unknown) => {
          for (const entry of batch) entry.reject(error);
        },
      )
      .finally(() => {
        this.flushesInFlight--;
        this.scheduleFlush();
      });
  }

  /** running → retry (waiting until `at`; reported as pending once due). */
  async retry(key: LeaseKey, at: Date, error: SerializedError): Promise<void> {
    // NOTIFY with the due time, so every idle worker arms a timer for it instead of waiting for a poll.
    await this.db.queryRetrying(
      'retry',
      `WITH retried AS (
         UPDATE ${this.schema}.job j
            SET state = 'retry', start_after = $4, sy_error = $5, sy_lease_token = NULL, sy_lease_expires_at = NULL,
                sy_redelivered = false, ${PGBOSS_QUEUED_EXPIRY}
          WHERE ${leaseHeld('j', '$1', '$2', '$3')}
          RETURNING name
       )
       SELECT pg_notify($6, name || '|' || $7) FROM retried`,
      [key.queue, key.id, key.token, at, JSON.stringify(error), this.channel, String(at.getTime())],
    );
  }

  /** running → failed, permanently. */
  async fail(key: LeaseKey, error: SerializedError): Promise<void> {
    await this.update('fail', key, `state = 'failed', completed_on = $4, sy_error = $5`, [
      new Date(this.now()),
      JSON.stringify(error),
    ]);
  }

  /**
   * running → failed inside one transaction that also runs `hook` (with the transaction's
   * client), so the hook's writes commit with the failure. A hook that throws rolls both
   * back, and the job is then failed on its own; a lost lease changes nothing and skips the hook.
   */
  async failWithin(
    key: LeaseKey,
    error: SerializedError,
    hook: (tx: unknown) => Promise<void>,
  ): Promise<void> {
    await failInTransaction(
      this.db,
      this.schema,
      key,
      [new Date(this.now()), JSON.stringify(error)],
      hook,
      () => this.fail(key, error),
    );
  }

  /** running → cancelled. */
  async cancelled(key: LeaseKey): Promise<void> {
    await this.update('cancelled', key, `state = 'cancelled', completed_on = $4`, [new Date(this.now())]);
  }

  /** running → pending, giving the attempt back. */
  async release(key: LeaseKey): Promise<void> {
    await this.update(
      'release',
      key,
      `state = 'created', retry_count = GREATEST(retry_count - 1, 0), started_on = NULL, ${PGBOSS_QUEUED_EXPIRY}`,
      [],
    );
  }

  /** Extends the lease; returns null when it is lost, else whether a cancel was requested. */
  async heartbeat(key: LeaseKey, leaseDurationMs: number): Promise<{ cancelRequested: boolean } | null> {
    const now = this.now();
    const rows = await this.db.queryRetrying<{ sy_cancel_requested: boolean }>(
      'heartbeat',
      `UPDATE ${this.schema}.job j SET sy_lease_expires_at = $4, heartbeat_on = $5
        WHERE ${leaseHeld('j', '$1', '$2', '$3')}
        RETURNING sy_cancel_requested`,
      [key.queue, key.id, key.token, new Date(now + leaseDurationMs), new Date(now)],
    );
    const row = rows[0];
    return row ? { cancelRequested: row.sy_cancel_requested } : null;
  }

  /** Stores progress while the lease is held. */
  async progress(key: LeaseKey, value: unknown): Promise<void> {
    await this.db.queryRetrying(
      'progress',
      `UPDATE ${this.schema}.job j SET sy_progress = $4::jsonb -> 'v'
        WHERE ${leaseHeld('j', '$1', '$2', '$3')}`,
      [key.queue, key.id, key.token, JSON.stringify({ v: value ?? null })],
    );
  }

  private async update(what: string, key: LeaseKey, assignments: string, extra: unknown[]): Promise<void> {
    await this.db.queryRetrying(
      what,
      `UPDATE ${this.schema}.job j
          SET ${assignments}, sy_lease_token = NULL, sy_lease_expires_at = NULL, sy_redelivered = false
        WHERE ${leaseHeld('j', '$1', '$2', '$3')}`,
      [key.queue, key.id, key.token, ...extra],
    );
  }
}

/** The batched completion: $1–$4 queue names, ids, lease tokens and wrapped outputs (`completionArrays`), $5 the time. */
export function completionSql(schema: string): string {
  return `UPDATE ${schema}.job j
            SET state = 'completed', completed_on = $5, output = x.output -> 'v', sy_lease_token = NULL,
                sy_lease_expires_at = NULL, sy_redelivered = false, sy_error = NULL
           FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::jsonb[]) AS x(name, id, token, output)
          WHERE ${leaseHeld('j', 'x.name', 'x.id', 'x.token')}`;
}

/** The array parameters of the completion UPDATE: queue names, ids, lease tokens, wrapped outputs. */
function completionArrays(
  batch: readonly PendingCompletion[],
): [string[], string[], string[], (string | null)[]] {
  const names: string[] = [];
  const ids: string[] = [];
  const tokens: string[] = [];
  const outputs: (string | null)[] = [];
  for (const { key, result } of batch) {
    names.push(key.queue);
    ids.push(key.id);
    tokens.push(key.token);
    // Wrapped so `undefined` (no result) and JSON `null` stay distinct.
    outputs.push(result === undefined ? null : JSON.stringify({ v: result }));
  }
  return [names, ids, tokens, outputs];
}
