/**
 * The adapter's clock rule, stated once:
 *
 * - **Job records read the injected clock** (`runtime.clock`, the yard's): a job's runAt and
 *   whether it is due, startedAt, finishedAt, retention and history cut-offs, schedule ticks,
 *   the doorbell sweep. A test's `ManualClock` moves all of them.
 * - **SQS reads real time** (`realNow()`, below), because SQS counts on its own wall clock
 *   whatever the yard's clock says: visibility timeouts and their 12-hour cap, message ages,
 *   how long a received message may wait for a slot, and the pacing of receives (how fresh
 *   the pause flags that pick the queues to poll are, when an empty queue is polled again).
 *
 * Every reading of real time in this package goes through `realNow()`, so a reader can find
 * them all, and none of them ever lands in a record.
 */

/** Real time in epoch ms, for SQS visibility and receive pacing only (never for a record). */
export function realNow(): number {
  return Date.now();
}
