/**
 * The one shape every in-process contender (Switchyard on the memory adapter,
 * p-queue, fastq, the binary-heap loop) is driven through, so each memory
 * scenario is written once and runs the same work on all of them.
 */

/** A job's payload: its index, and for some scenarios a start time or a CPU cost. */
export interface BenchPayload {
  i: number;
  /** `performance.now()` when the job was enqueued (latency scenario). */
  t?: number;
  /** Busy-loop iterations the handler performs (CPU-mix scenario). */
  cost?: number;
}

/** The work a job does; called once per job. */
export type BenchHandler = (payload: BenchPayload) => void | Promise<void>;

/** Options every contender is built with. */
export interface QueueSetup {
  /** Hard cap on handlers running at once. */
  concurrency: number;
  handler: BenchHandler;
}

/** A queue being measured. Priorities are 0..9, lower runs first (Switchyard's convention). */
export interface QueueUnderTest {
  /** Adds one job (awaited, so an async API pays its real cost). */
  add(payload: BenchPayload, priority: number): Promise<void> | void;
  /** Adds many jobs of one priority, through the bulk API where the library has one. */
  addBatch(payloads: BenchPayload[], priority: number): Promise<void> | void;
  /** Starts processing (queues are built paused, so enqueue and processing can be timed apart). */
  start(): Promise<void> | void;
  /** Resolves once at least `count` jobs have completed (handler returned and the job was settled). */
  completedAtLeast(count: number): Promise<void>;
  /** Stops processing and drops what is left. */
  close(): Promise<void>;
}

/** Builds a fresh, paused queue. */
export type QueueFactory = (setup: QueueSetup) => Promise<QueueUnderTest>;

/**
 * Counts completions and resolves waiters once a count is reached, without
 * per-job promises or events.
 */
export class CompletionCounter {
  completed = 0;
  private target = Number.POSITIVE_INFINITY;
  private resolveTarget: (() => void) | undefined;

  /** Records one completed job. */
  increment(): void {
    this.completed++;
    if (this.completed >= this.target) this.release();
  }

  /** Resolves once `count` completions were recorded. */
  atLeast(count: number): Promise<void> {
    if (this.completed >= count) return Promise.resolve();
    this.target = count;
    return new Promise<void>((resolve) => {
      this.resolveTarget = resolve;
    });
  }

  private release(): void {
    const resolve = this.resolveTarget;
    this.target = Number.POSITIVE_INFINITY;
    this.resolveTarget = undefined;
    resolve?.();
  }
}
