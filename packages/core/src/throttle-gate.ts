/**
 * Admission of a leased job under its throttles: a per-key slot first (it can be given
 * back), then the task's and the queue's rate windows, each one atomic check in the
 * backend's throttle store. A refused job is deferred by the store (it waits, its attempt
 * not consumed) until the store says asking again may succeed; the adapter then hands it
 * out again in priority order, so waiting needs no loop in core.
 */
import type { Lease, ThrottleStore } from './adapter.js';
import type { JobRecord } from './job.js';
import type { TaskDefinition } from './task.js';
import {
  parseTaskThrottle,
  queueRateKey,
  type RateWindow,
  slotKey,
  type TaskThrottle,
  taskRateKey,
} from './throttle.js';

/**
 * How soon a job refused a per-key slot asks again, at most (jittered by up to as much
 * again, so the waiters of one key do not all come back at once). Slots are released
 * when an attempt ends, which the store cannot announce, so waiters look again.
 */
export const SLOT_RECHECK_MS = 100;

/** A slot held by a running job, released when its attempt ends. */
export interface HeldSlot {
  key: string;
  holder: string;
  max: number;
}

/** What the gate decided for one lease. */
export type Admission =
  | { granted: true; slot?: HeldSlot }
  | { granted: false; retryAt: number }
  /** The job cannot be admitted at all (its concurrencyKey threw or returned a bad value). */
  | { granted: false; error: Error };

const throttleCache = new WeakMap<TaskDefinition, TaskThrottle | null>();

/** A task's validated throttle (parsed once per task). */
export function throttleOf(task: TaskDefinition): TaskThrottle | undefined {
  let cached = throttleCache.get(task);
  if (cached === undefined) {
    cached = parseTaskThrottle(task.name, task) ?? null;
    throttleCache.set(task, cached);
  }
  return cached ?? undefined;
}

export class ThrottleGate {
  /** Slots held by this worker's running jobs, by job id (renewed on every heartbeat). */
  private readonly held = new Map<string, HeldSlot>();
  /** The admission in progress; the next waits for it (see `admit`). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly store: ThrottleStore,
    private readonly tasks: ReadonlyMap<string, TaskDefinition>,
    private readonly queueLimits: ReadonlyMap<string, RateWindow>,
    /** A slot lasts this long past its last renewal: a dead worker's slot comes back. */
    private readonly slotTtlMs: number,
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  /** Whether jobs of this task (in this queue) pass through the gate. */
  applies(job: JobRecord): boolean {
    if (this.queueLimits.has(job.queue)) return true;
    const task = this.tasks.get(job.task);
    return task !== undefined && throttleOf(task) !== undefined;
  }

  /**
   * Asks the store for what the job needs. Rate windows count from the job's `startedAt`
   * (when it was handed out), so the starts a reader sees are exactly the grants counted.
   * One admission at a time per worker: leases handed out together (one claim, one start
   * time) then ask in the order they came, which is priority order, instead of racing.
   */
  admit(lease: Lease): Promise<Admission> {
    const admission = this.tail.then(() => this.admitNow(lease));
    this.tail = admission.then(undefined, () => undefined);
    return admission;
  }

  private async admitNow(lease: Lease): Promise<Admission> {
    const job = lease.job;
    const task = this.tasks.get(job.task);
    const throttle = task === undefined ? undefined : throttleOf(task);
    const now = job.startedAt?.getTime() ?? this.now();
    let slot: HeldSlot | undefined;
    if (throttle?.perKey) {
      try {
        slot = { key: slotKey(job.task, throttle.perKey.keyOf(job.payload)), holder: job.id, max: 0 };
      } catch (error) {
        return { granted: false, error: error instanceof Error ? error : new Error(String(error)) };
      }
      slot.max = throttle.perKey.maxPerKey;
      const answer = await this.store.acquire({
        kind: 'slot',
        key: slot.key,
        max: slot.max,
        holder: slot.holder,
        ttlMs: this.slotTtlMs,
        now,
      });
      if (!answer.granted) {
        const recheck = now + SLOT_RECHECK_MS * (1 + this.random());
        return { granted: false, retryAt: Math.min(answer.retryAt, recheck) };
      }
    }
    const windows: Array<[string, RateWindow]> = [];
    if (throttle?.rate) windows.push([taskRateKey(job.task), throttle.rate]);
    const queueLimit = this.queueLimits.get(job.queue);
    if (queueLimit) windows.push([queueRateKey(job.queue), queueLimit]);
    for (const [key, { max, windowMs }] of windows) {
      let answer: Awaited<ReturnType<ThrottleStore['acquire']>>;
      try {
        answer = await this.store.acquire({ kind: 'rate', key, max, windowMs, now, member: job.id });
      } catch (error) {
        if (slot) await this.store.release(slot.key, slot.holder);
        throw error;
      }
      if (!answer.granted) {
        // The slot waits with the job; a start already taken from an earlier window is spent.
        if (slot) await this.store.release(slot.key, slot.holder);
        return { granted: false, retryAt: answer.retryAt };
      }
    }
    if (slot) this.held.set(job.id, slot);
    return slot ? { granted: true, slot } : { granted: true };
  }

  /** Gives a running job's slot back when its attempt ended. */
  release(slot: HeldSlot): Promise<void> {
    this.held.delete(slot.holder);
    return this.store.release(slot.key, slot.holder);
  }

  /** Renews the slots of the running jobs (called on every heartbeat); failures go to `onError`. */
  renew(onError: (error: unknown) => void): void {
    if (this.held.size === 0) return;
    const now = this.now();
    for (const slot of this.held.values()) {
      this.store
        .acquire({
          kind: 'slot',
          key: slot.key,
          max: slot.max,
          holder: slot.holder,
          ttlMs: this.slotTtlMs,
          now,
        })
        .then(undefined, onError);
    }
  }

  /** Pushes a task's rate window back until `until` (a handler threw `RateLimitedError`). */
  pushBack(task: TaskDefinition, until: number): Promise<void> | undefined {
    if (!throttleOf(task)?.rate) return undefined;
    return this.store.block(taskRateKey(task.name), until);
  }
}
