/**
 * What cannot be made safe: a plain pg-boss `work()` / `fetch()` on a queue Switchyard consumes takes
 * Switchyard's jobs (pg-boss's fetch claims any `created`/`retry` row of the queue) and settles them as
 * its own, outside Switchyard's lease, retries and hooks. pg-boss instances register their `work()`
 * calls in the schema's `instance` table (on by default, refreshed every `instanceHeartbeatSeconds`),
 * so the adapter can see such a worker: each consumer start and each upkeep pass look for live
 * instances working a queue a Switchyard consumer of this process consumes, and warn once per
 * (instance, queue). A `fetch()` without `work()`, or an instance started with
 * `registerInstance: false`, is invisible here.
 */
import type { Database } from './database.js';

/** A live pg-boss instance whose `work()` consumes a Switchyard queue. */
export interface ForeignWorker {
  instance: string;
  name: string | null;
  host: string;
  pid: number;
  queue: string;
}

/** pg-boss's own liveness rule: not stopped, and heard from within three heartbeats. */
export async function findPgBossWorkers(
  db: Database,
  schema: string,
  queues: readonly string[],
): Promise<ForeignWorker[]> {
  if (queues.length === 0) return [];
  return db.query<ForeignWorker & Record<string, unknown>>(
    'pg-boss worker check',
    `SELECT i.id::text AS instance, i.name, i.host, i.pid, w.value->>'queue' AS queue
       FROM ${schema}.instance i
       CROSS JOIN LATERAL jsonb_array_elements(i.workers) AS w(value)
      WHERE i.stopped_on IS NULL
        AND i.heartbeat_on >= now() - i.heartbeat_seconds * 3 * interval '1 second'
        AND w.value->>'queue' = ANY($1::text[])`,
    [queues],
  );
}

/** Remembers what was reported so a worker is named once per (instance, queue). */
export class ForeignWorkerWarnings {
  private readonly reported = new Set<string>();

  /** The workers in `found` not reported before. */
  fresh(found: readonly ForeignWorker[]): ForeignWorker[] {
    const fresh: ForeignWorker[] = [];
    for (const worker of found) {
      const key = `${worker.instance}|${worker.queue}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      fresh.push(worker);
    }
    return fresh;
  }
}
