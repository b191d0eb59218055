/**
 * Forwards spooled jobs to the backend once it answers again: oldest first, in batches,
 * idempotently by job id (a job the backend already holds — a relay killed after the
 * backend took it but before the spool forgot it — is simply forgotten now), so each
 * spooled job reaches the backend exactly once. A unique-key clash found at relay time
 * goes to `onSpoolConflict`.
 */
import type { Clock, TimerHandle } from './clock.js';
import { SwitchyardError } from './errors.js';
import type { FallbackSpool } from './fallback-spool.js';
import type { EnqueueOutcome, NewJob } from './job.js';
import type { Logger } from './logger.js';

/** Jobs forwarded per backend call. */
const RELAY_BATCH = 100;
/** How often an empty spool is looked at, and the first wait after the backend refused. */
const IDLE_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/** A spooled job whose unique key was taken by another job by the time it was relayed. */
export interface SpoolConflict {
  job: NewJob;
  existingJobId: string;
}

/** What the relay needs from the yard. */
export interface RelayTarget {
  /** Stores jobs in the backend (with the yard's timeout and error mapping). */
  enqueue(jobs: NewJob[]): Promise<EnqueueOutcome[]>;
  /** Announces jobs the backend took (events, metrics). */
  relayed(jobs: NewJob[]): void;
  onConflict(conflict: SpoolConflict): void | Promise<void>;
  /** Called when a drain found the spool empty. */
  drained(): void;
}

export class SpoolRelay {
  private timer?: TimerHandle;
  private running?: Promise<void>;
  private stopped = true;
  private backoffMs = IDLE_MS;
  private failing = false;

  constructor(
    private readonly spool: FallbackSpool,
    private readonly target: RelayTarget,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.arm(0);
  }

  /** Relays now (after a spooled enqueue, or in tests). */
  kick(): void {
    if (!this.stopped && !this.running) this.arm(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    await this.running;
  }

  /** Forwards everything spooled; resolves once the spool is empty or the backend refused. */
  async drain(): Promise<boolean> {
    for (;;) {
      const batch = await this.spool.peek(RELAY_BATCH);
      if (batch.length === 0) {
        this.target.drained();
        return true;
      }
      let outcomes: EnqueueOutcome[];
      try {
        outcomes = await this.target.enqueue(batch.map((entry) => entry.job));
      } catch (error) {
        if (!this.failing) {
          this.failing = true;
          this.logger.warn({ err: error }, 'switchyard: the backend still refuses spooled jobs; will retry');
        }
        return false;
      }
      const relayed: NewJob[] = [];
      for (const [index, outcome] of outcomes.entries()) {
        const { job } = batch[index]!;
        if (outcome.status === 'created') relayed.push(job);
        else if (outcome.existingJobId !== job.id)
          await this.conflict({ job, existingJobId: outcome.existingJobId });
        // Otherwise the backend already held this very job: an earlier relay got it there.
      }
      await this.spool.remove(batch.map((entry) => entry.seq));
      if (relayed.length > 0) this.target.relayed(relayed);
      if (this.failing) {
        this.failing = false;
        this.logger.info({}, 'switchyard: the backend takes spooled jobs again');
      }
    }
  }

  private async conflict(conflict: SpoolConflict): Promise<void> {
    this.logger.warn(
      { jobId: conflict.job.id, existingJobId: conflict.existingJobId, uniqueKey: conflict.job.uniqueKey },
      'switchyard: a spooled job clashed with an unfinished job of the same unique key; it was not enqueued',
    );
    try {
      await this.target.onConflict(conflict);
    } catch (error) {
      this.logger.error({ err: error }, 'switchyard: onSpoolConflict threw');
    }
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    let drained = false;
    try {
      drained = await this.drain();
    } catch (error) {
      if (!SwitchyardError.is(error)) this.logger.error({ err: error }, 'switchyard: the spool relay failed');
    }
    this.backoffMs = drained ? IDLE_MS : Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.arm(this.backoffMs);
  }
}
