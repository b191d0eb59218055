/**
 * Reads queue snapshots for scrapes without ever hanging one: a reading is served from
 * a cache for `cacheForMs`, a backend call is never started twice at once (a slow call
 * still in flight is joined by the next scrape instead of piling up), and a scrape waits
 * at most `timeoutMs` before it gives up on this round.
 */
import type { QueueSnapshot, QueueSnapshotSource } from './queue-snapshots.js';

/** What one scrape got. */
export type Reading = { ok: true; snapshots: QueueSnapshot[] } | { ok: false; error: Error };

/** Settings of `QueueReadings`. */
export interface QueueReadingsOptions {
  source: QueueSnapshotSource;
  timeoutMs: number;
  cacheForMs: number;
  /** Milliseconds, monotonic; injected in tests. */
  now: () => number;
  /** Told once per scrape that got no reading; `firstOfOutage` after a success (or at start). */
  onFailure(error: Error, firstOfOutage: boolean): void;
  /** Told when the backend answers again after failures. */
  onRecovery(): void;
}

/** A snapshot source behind a timeout, a cache and single flight. */
export class QueueReadings {
  private cached?: { atMs: number; snapshots: QueueSnapshot[] };
  private fetching?: Promise<QueueSnapshot[]>;
  /** Shared by the gauges collected in one scrape (prom-client collects them at once). */
  private current?: Promise<Reading>;
  private failing = false;

  constructor(private readonly options: QueueReadingsOptions) {}

  /** The reading for this scrape. Never rejects. */
  read(): Promise<Reading> {
    const { cached } = this;
    if (cached !== undefined && this.options.now() - cached.atMs < this.options.cacheForMs) {
      return Promise.resolve({ ok: true, snapshots: cached.snapshots });
    }
    if (this.current === undefined) {
      const reading = this.readOnce();
      this.current = reading;
      void reading.then(() => {
        if (this.current === reading) this.current = undefined;
      });
    }
    return this.current;
  }

  private async readOnce(): Promise<Reading> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the backend did not answer within ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
    });
    try {
      return { ok: true, snapshots: await Promise.race([this.fetch(), timedOut]) };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      const firstOfOutage = !this.failing;
      this.failing = true;
      this.options.onFailure(error, firstOfOutage);
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
    }
  }

  /** One backend call at a time; its result refreshes the cache even if the scrape gave up on it. */
  private fetch(): Promise<QueueSnapshot[]> {
    if (this.fetching === undefined) {
      const fetching = (async () => {
        try {
          const snapshots = await this.options.source();
          this.cached = { atMs: this.options.now(), snapshots };
          if (this.failing) {
            this.failing = false;
            this.options.onRecovery();
          }
          return snapshots;
        } finally {
          this.fetching = undefined;
        }
      })();
      // A call abandoned by a timed-out scrape may still fail later: that is not unhandled.
      fetching.catch(() => {});
      this.fetching = fetching;
    }
    return this.fetching;
  }
}
