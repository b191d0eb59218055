/**
 * Completions of one worker, sent to Redis together. A completion waits at most until the
 * current burst of callbacks has run (`process.nextTick`), so a lone job is not delayed, while
 * the completions that pile up while calls are in flight go out together: the busier the
 * worker, the larger the batches. Up to three calls are in flight, and what is pending is
 * split evenly over the free ones, so Redis runs one call while Node handles the jobs another
 * brought back (at concurrency 10, two calls carrying everything ran at about 0.8x of this).
 */

/** One job to complete. */
export interface Completion {
  id: string;
  token: string;
  /** The return value, as JSON. */
  returnValue: string;
  /** Take the queue's next job, under the same token, in the same call. */
  fetchNext: boolean;
  /** BullMQ's `removeOnComplete: { age }` of the job (seconds), or null when it is kept. */
  keepAgeSec: number | null;
}

/** Per completion: left untouched (`-1`, to complete one by one), completed (`0`), or completed with the next job. */
export type CompletionReply = -1 | 0 | [fields: string[], id: string];

/** What a batch call answers: when the jobs finished (ms) and one reply per completion, in order. */
export interface BatchReply {
  finishedOn: number;
  replies: CompletionReply[];
}

interface Pending {
  completion: Completion;
  resolve(outcome: { reply: CompletionReply; finishedOn: number }): void;
  reject(error: unknown): void;
}

/** Calls in flight at once. */
const MAX_IN_FLIGHT = 3;
/** Completions per call at most, so one call never holds Redis long. */
const MAX_BATCH = 500;

export class CompletionBatches {
  private pending: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly send: (completions: Completion[]) => Promise<BatchReply>) {}

  /** Queues a completion; resolves with its reply once the call that carried it returned. */
  add(completion: Completion): Promise<{ reply: CompletionReply; finishedOn: number }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ completion, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    this.scheduled = true;
    process.nextTick(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const size = Math.min(MAX_BATCH, Math.ceil(this.pending.length / (MAX_IN_FLIGHT - this.inFlight)));
    const batch = this.pending.length <= size ? this.pending : this.pending.slice(0, size);
    this.pending = batch === this.pending ? [] : this.pending.slice(size);
    this.inFlight++;
    this.send(batch.map((entry) => entry.completion))
      .then(({ finishedOn, replies }) => {
        if (replies.length !== batch.length)
          throw new Error(`a batch of ${batch.length} completions got ${replies.length} replies`);
        for (let i = 0; i < batch.length; i++)
          batch[i]?.resolve({ reply: replies[i] as CompletionReply, finishedOn });
      })
      .catch((error: unknown) => {
        for (const entry of batch) entry.reject(error);
      })
      .finally(() => {
        this.inFlight--;
        this.schedule();
      });
    // What did not fit in this call goes out in the next one, if one more may be in flight.
    this.schedule();
  };
}
