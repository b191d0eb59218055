/**
 * `jobs.waitFor`: re-read the job whenever something may have changed it. Where the
 * adapter has cluster events, a terminal event of the job (or a gap) wakes the wait
 * and a slow re-read is only a backstop for a lost notification; otherwise it polls,
 * waking early on this process's terminal events.
 */
import type { Duration } from './duration.js';
import { parseDuration } from './duration.js';
import { WaitTimeoutError } from './errors.js';
import type { ClusterEventListener } from './event-subscriptions.js';
import type { EventHub } from './events.js';
import { type JobRecord, TERMINAL_STATES } from './job.js';

const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60_000;
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
  const timeoutMs =
    options.timeout === undefined ? DEFAULT_WAIT_TIMEOUT_MS : parseDuration(options.timeout, 'timeout');
  const pollMs =
    options.pollInterval === undefined
      ? subscribe
        ? DEFAULT_POLL_WITH_EVENTS_MS
        : DEFAULT_POLL_MS
      : parseDuration(options.pollInterval, 'pollInterval');
  const deadline = Date.now() + timeoutMs;
  // Set before the first read, so a change between the read and the wait is not missed.
  let changed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    changed = true;
    wake?.();
  };
  const onLocal = ({ job }: { job: JobRecord }) => job.id === id && notify();
  const offs = (['job:completed', 'job:failed', 'job:cancelled'] as const).map((event) =>
    events.on(event, onLocal),
  );
  const unsubscribe = subscribe
    ? await subscribe((event) => {
        if (event.type === 'gap' || (event.jobId === id && TERMINAL_STATES.includes(event.state))) notify();
      })
    : undefined;
  try {
    for (;;) {
      changed = false;
      const job = await getJob(id);
      if (job && TERMINAL_STATES.includes(job.state)) return job;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new WaitTimeoutError(id, timeoutMs);
      if (changed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(pollMs, remaining));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    for (const off of offs) off();
    await unsubscribe?.();
  }
}
