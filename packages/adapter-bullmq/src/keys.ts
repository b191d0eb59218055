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
} as const;
