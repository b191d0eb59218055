/**
 * Redis key layout. BullMQ owns `${prefix}:${queue}:*`; the adapter's own keys live
 * under `${prefix}::sy:*` — an empty queue name is invalid in BullMQ, so they can
 * never collide with a queue's keys, and they share the prefix's hash tag.
 */

/** Key of a BullMQ queue's structure (`wait`, `active`, ...) or of one of its jobs (`id`). */
export function queueKey(prefix: string, queue: string, suffix: string): string {
  return `${prefix}:${queue}:${suffix}`;
}

/** Set of every queue name that ever held a job or was paused. */
export function knownQueuesKey(prefix: string): string {
  return `${prefix}::sy:queues`;
}

/** Set of schedule keys. */
export function scheduleIndexKey(prefix: string): string {
  return `${prefix}::sy:schedules`;
}

/** Hash holding one schedule. */
export function scheduleKey(prefix: string, key: string): string {
  return `${prefix}::sy:schedule:${key}`;
}

/**
 * Per-queue id index: a sorted set whose members are the queue's job ids, all with score 0,
 * so `ZREVRANGEBYLEX` walks them newest first (ids are time-ordered UUIDs).
 */
export function idIndexKey(prefix: string, queue: string): string {
  return `${prefix}::sy:ids:${queue}`;
}

/*
 * State markers: sorted sets of job ids (score 0, so sorted by id like the index) that tell
 * apart what BullMQ keeps in one structure, and let a search walk one state newest first.
 * A marker may outlive the state (the job moved on): readers always check the job itself.
 */

/** Marker of the queue's jobs that failed (BullMQ's failed set also holds cancelled jobs). */
export function failedKey(prefix: string, queue: string): string {
  return `${prefix}::sy:failed:${queue}`;
}

/** Marker of the queue's jobs that were cancelled (they sit in BullMQ's failed set). */
export function cancelledKey(prefix: string, queue: string): string {
  return `${prefix}::sy:cancelled:${queue}`;
}

/** Marker of the queue's jobs moved back to `delayed` by a failed attempt (retrying, not scheduled). */
export function retriedKey(prefix: string, queue: string): string {
  return `${prefix}::sy:retried:${queue}`;
}

/** Hash of adapter housekeeping (the index sweep's cursor per queue). */
export function housekeepingKey(prefix: string): string {
  return `${prefix}::sy:housekeeping`;
}

/** Lock held by the one adapter instance that sweeps the id indexes. */
export function sweeperLockKey(prefix: string): string {
  return `${prefix}::sy:sweeper`;
}

/** Redis stream carrying the cluster-wide job events. */
export function eventStreamKey(prefix: string): string {
  return `${prefix}::sy:events`;
}

/** Sorted set of live workers (score = expiry, epoch ms). */
export function workerExpiryKey(prefix: string): string {
  return `${prefix}::sy:workers`;
}

/** Hash of live workers' entries (worker id → opaque data). */
export function workerDataKey(prefix: string): string {
  return `${prefix}::sy:workers:data`;
}

/** Hash of one history bucket (`1m` or `1h`) starting at `at` (epoch ms). */
export function historyKey(prefix: string, bucket: '1m' | '1h', at: number): string {
  return `${prefix}::sy:history:${bucket}:${at}`;
}

/** The value of `FIELD.state` on a cancelled job. */
export const CANCELLED_STATE = 'cancelled';

/**
 * BullMQ's `failedReason` of a cancelled job (it sits in BullMQ's failed set): it says so first,
 * so bull-board and `Job.failedReason` tell it from a failure.
 */
export const CANCELLED_REASON = 'Cancelled: the job was cancelled (Switchyard), it did not fail';

/** Fields the adapter adds to BullMQ's job hash. */
export const FIELD = {
  /** JSON `SerializedError` of the last failed attempt. */
  error: 'syErr',
  /** `cancelled` when the job was cancelled (it sits in BullMQ's failed set). */
  state: 'syState',
  /** `1` while a cancel of the running job is requested. */
  cancel: 'syCancel',
  /** When a retried job is runnable again (ms). */
  runAt: 'syRunAt',
  /**
   * BullMQ's `attemptsMade` as the adapter's last retry left it. BullMQ adds one to `atm` whenever
   * a job finishes, so a job whose `atm` differs was finished and put back by a BullMQ tool.
   */
  attemptsMade: 'syAtm',
} as const;
