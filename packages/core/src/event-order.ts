/**
 * Per-job causal order of cluster events. A job's events come from several processes
 * (the producer publishes `enqueued`, a worker `started`, another process `cancelled`),
 * each after its own write, so two of them can reach a subscriber in the wrong order.
 *
 * Every event carries a `rank` (its place in the job's history) and, when an earlier
 * event from another process must come first, `needs` (the rank that must have been
 * seen). A subscriber holds such an event back until its predecessor arrives or a short
 * window passes; an event older than what was already delivered is dropped as stale.
 */
import type { JobEventType, WireJobEvent } from './job-events.js';

/** Rank of an event in its job's history: attempt `k` spans `10k .. 10k + 4`. */
export function eventRank(type: JobEventType, attempt: number, options: { running?: boolean } = {}): number {
  const base = attempt * 10;
  switch (type) {
    case 'enqueued':
      return 0;
    case 'stalled':
      return base;
    case 'started':
      return base + 1;
    case 'progress':
      return base + 2;
    case 'cancelled':
      // A job cancelled while waiting comes after the attempt that left it waiting.
      return options.running ? base + 3 : base + 4;
    default:
      return base + 3;
  }
}

/**
 * The rank a subscriber must have seen before this event, when the predecessor is
 * published by another process: `started` after `enqueued` (first attempt) or after the
 * previous attempt's `retrying`; a waiting job's `cancelled` after what left it waiting.
 * Events of one attempt in one worker travel in order and need nothing.
 */
export function eventNeeds(
  type: JobEventType,
  attempt: number,
  options: { running?: boolean; redelivered?: boolean } = {},
): number | undefined {
  if (type === 'started' && !options.redelivered) return attempt <= 1 ? 0 : (attempt - 1) * 10 + 3;
  if (type === 'cancelled' && !options.running) return attempt === 0 ? 0 : attempt * 10 + 3;
  return undefined;
}

/** An event waiting in the reorder buffer, with what the subscriber calls it. */
export interface OrderedEvent {
  wire: WireJobEvent;
  id: string;
}

interface JobTrack {
  rank: number;
  terminal: boolean;
}

interface Held extends OrderedEvent {
  deadline: number;
}

const TERMINAL_TYPES = new Set<JobEventType>(['completed', 'failed', 'cancelled']);

/** Options of `CausalOrder`. */
export interface CausalOrderOptions {
  /** Longest an event waits for its predecessor, in ms. */
  windowMs: number;
  /** When the subscription started (epoch ms): only jobs created after it can still see an `enqueued` coming. */
  subscribedAt: number;
  /** Slack for clocks of different machines when comparing `createdAt` with `subscribedAt`. */
  clockSkewMs?: number;
  /** Jobs remembered at once (least recently seen forgotten first). */
  maxJobs?: number;
  deliver(event: OrderedEvent): void;
}

/** The reorder buffer of one subscription. Pure apart from the `deliver` callback; time is passed in. */
export class CausalOrder {
  private readonly jobs = new Map<string, JobTrack>();
  private readonly held = new Map<string, Held[]>();
  /** Events dropped because a later event of the same job was already delivered. */
  stale = 0;

  constructor(private readonly options: CausalOrderOptions) {}

  /** Delivers `event` now, or holds it until its predecessor arrives or `now + windowMs`. */
  push(event: OrderedEvent, now: number): void {
    const { wire } = event;
    const queue = this.held.get(wire.jobId);
    if (queue === undefined && !this.mustWait(wire, this.jobs.get(wire.jobId))) {
      this.deliver(event, this.jobs.get(wire.jobId));
      return;
    }
    const held: Held = { ...event, deadline: now + this.options.windowMs };
    if (queue === undefined) this.held.set(wire.jobId, [held]);
    else if (wire.retry && this.jobs.get(wire.jobId)?.terminal)
      queue.unshift(held); // what waits for it goes after
    else insertByRank(queue, held);
    this.releaseReady(wire.jobId);
  }

  /** Delivers every held event whose window has passed, with whatever is queued before it. */
  expire(now: number): void {
    for (const [jobId, queue] of [...this.held]) {
      let last = -1;
      queue.forEach((event, index) => {
        if (event.deadline <= now) last = index;
      });
      for (const event of queue.splice(0, last + 1)) this.deliver(event, this.jobs.get(jobId));
      if (queue.length === 0) this.held.delete(jobId);
      else this.releaseReady(jobId);
    }
  }

  /** The earliest deadline of a held event, to arm a timer; undefined when nothing is held. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const queue of this.held.values()) {
      for (const { deadline } of queue) if (next === undefined || deadline < next) next = deadline;
    }
    return next;
  }

  /** Delivers everything held, in queue order (the subscription is closing or resynchronising). */
  flush(): void {
    for (const jobId of [...this.held.keys()]) {
      const queue = this.held.get(jobId)!;
      this.held.delete(jobId);
      for (const event of queue) this.deliver(event, this.jobs.get(jobId));
    }
  }

  /** Forgets what was seen (after a gap: the subscriber re-reads anyway). */
  reset(): void {
    this.flush();
    this.jobs.clear();
  }

  private mustWait(wire: WireJobEvent, track: JobTrack | undefined): boolean {
    if (wire.retry) return track !== undefined && !track.terminal;
    // A finished job only moves on through a manual retry: wait for its `enqueued`.
    if (track?.terminal) return true;
    if (wire.needs === undefined) return false;
    if (track !== undefined) return track.rank < wire.needs;
    // Unknown job: its predecessor can only still come if the job is younger than the subscription.
    const skew = this.options.clockSkewMs ?? 1000;
    return wire.needs === 0 && wire.createdAt >= this.options.subscribedAt - skew;
  }

  private deliver(event: OrderedEvent, track: JobTrack | undefined): void {
    const { wire } = event;
    // After a terminal event a new history begins (a manual retry), even if its `enqueued` was lost.
    const fresh = wire.retry || (track?.terminal ?? false);
    if (!fresh && track !== undefined && wire.rank < track.rank) {
      this.stale++;
      return;
    }
    const next: JobTrack = {
      rank: fresh ? wire.rank : Math.max(track?.rank ?? -1, wire.rank),
      terminal: TERMINAL_TYPES.has(wire.type),
    };
    // Re-insert so the map's order is least recently seen first.
    this.jobs.delete(wire.jobId);
    this.jobs.set(wire.jobId, next);
    const max = this.options.maxJobs ?? 10_000;
    if (this.jobs.size > max) {
      const oldest = this.jobs.keys().next().value;
      if (oldest !== undefined && !this.held.has(oldest)) this.jobs.delete(oldest);
    }
    this.options.deliver(event);
  }

  /** Delivers held events of one job, from the head, while their predecessor has been seen. */
  private releaseReady(jobId: string): void {
    const queue = this.held.get(jobId);
    if (!queue) return;
    while (queue.length > 0 && !this.mustWait(queue[0]!.wire, this.jobs.get(jobId))) {
      this.deliver(queue.shift()!, this.jobs.get(jobId));
    }
    if (queue.length === 0) this.held.delete(jobId);
  }
}

/**
 * Inserts by rank (stable), so a late predecessor goes before what waits for it. A manual
 * retry starts a new history whose ranks begin again at 0: it stays in arrival order and
 * nothing that arrived after it moves before it, except the terminal event of the run
 * before it (a retry needs that run finished, so its terminal event belongs first).
 */
function insertByRank(queue: Held[], event: Held): void {
  if (event.wire.retry) {
    queue.push(event);
    return;
  }
  let floor = 0;
  let ceiling = queue.length;
  for (let index = queue.length - 1; index >= 0; index--) {
    if (!queue[index]!.wire.retry) continue;
    if (TERMINAL_TYPES.has(event.wire.type)) ceiling = index;
    else floor = index + 1;
    break;
  }
  let position = ceiling;
  while (position > floor && queue[position - 1]!.wire.rank > event.wire.rank) position--;
  queue.splice(position, 0, event);
}
