/**
 * `jobs.waitFor`: re-read the job whenever something may have changed it. Where the
 * adapter has cluster events, a terminal event of the job (or a gap) wakes the wait
 * and a slow re-read is only a backstop for a lost notification; otherwise it polls,
 * waking early on this process's terminal events.
 */
import { ChangeSignal } from './change-signal.js';
import type { Duration } from './duration.js';
import { parseDuration } from './duration.js';
import { WaitTimeoutError } from './errors.js';
import type { ClusterEventListener } from './event-subscriptions.js';
import type { EventHub } from './events.js';
import { type JobRecord, TERMINAL_STATES } from './job.js';

const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60_000;

/** A wait's `timeout` option in ms (default 5 minutes); shared by `jobs.waitFor` and `flows.waitFor`. */
export function waitTimeoutMs(timeout: Duration | undefined): number {
  return timeout === undefined ? DEFAULT_WAIT_TIMEOUT_MS : parseDuration(timeout, 'timeout');
}
const DEFAULT_POLL_MS = 25;
/** Backstop re-read when cluster events wake the wait. */
const DEFAULT_POLL_WITH_EVENTS_MS = 1000;

/** Subscribes to cluster events; resolves with an unsubscribe function once live. */
export type ClusterSubscribe = (listener: ClusterEventListener) => Promise<() => Promise<void>>;

/** Resolves with the job once it is completed, failed or cancelled. */
export async function waitForJob(
  getJob: (id: string) => Promise<JobRecord | null>,
  events: EventHub,
  id: string,
  options: { timeout?: Duration; pollInterval?: Duration },
  subscribe?: ClusterSubscribe,
): Promise<JobRecord> {
  const timeoutMs = waitTimeoutMs(options.timeout);
  const pollMs =
    options.pollInterval === undefined
      ? subscribe
        ? DEFAULT_POLL_WITH_EVENTS_MS
        : DEFAULT_POLL_MS
      : parseDuration(options.pollInterval, 'pollInterval');
  const deadline = Date.now() + timeoutMs;
  const signal = new ChangeSignal();
  const onLocal = ({ job }: { job: JobRecord }) => job.id === id && signal.notify();
  const offs = (['job:completed', 'job:failed', 'job:cancelled'] as const).map((event) =>
    events.on(event, onLocal),
  );
  const unsubscribe = subscribe
    ? await subscribe((event) => {
        if (event.type === 'gap' || (event.jobId === id && TERMINAL_STATES.includes(event.state)))
          signal.notify();
      })
    : undefined;
  try {
    for (;;) {
      signal.changed = false;
      const job = await getJob(id);
      if (job && TERMINAL_STATES.includes(job.state)) return job;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new WaitTimeoutError(id, timeoutMs);
      if (!signal.changed) await signal.sleep(Math.min(pollMs, remaining));
    }
  } finally {
    for (const off of offs) off();
    await unsubscribe?.();
  }
}
