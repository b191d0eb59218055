/** `jobs.waitFor`: poll the backend, waking early on this process's terminal events. */
import type { Duration } from './duration.js';
import { parseDuration } from './duration.js';
import { WaitTimeoutError } from './errors.js';
import type { EventHub } from './events.js';
import { type JobRecord, TERMINAL_STATES } from './job.js';

const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_POLL_MS = 25;

/**
 * Resolves with the job once it is completed, failed or cancelled. Polls, since
 * the job may finish in another process; a local terminal event cuts the wait short.
 */
export async function waitForJob(
  getJob: (id: string) => Promise<JobRecord | null>,
  events: EventHub,
  id: string,
  options: { timeout?: Duration; pollInterval?: Duration },
): Promise<JobRecord> {
  const timeoutMs =
    options.timeout === undefined ? DEFAULT_WAIT_TIMEOUT_MS : parseDuration(options.timeout, 'timeout');
  const pollMs =
    options.pollInterval === undefined
      ? DEFAULT_POLL_MS
      : parseDuration(options.pollInterval, 'pollInterval');
  const deadline = Date.now() + timeoutMs;
  let wake: (() => void) | undefined;
  const onEvent = ({ job }: { job: JobRecord }) => job.id === id && wake?.();
  const offs = (['job:completed', 'job:failed', 'job:cancelled'] as const).map((event) =>
    events.on(event, onEvent),
  );
  try {
    for (;;) {
      const job = await getJob(id);
      if (job && TERMINAL_STATES.includes(job.state)) return job;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new WaitTimeoutError(id, timeoutMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(pollMs, remaining));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    for (const off of offs) off();
  }
}
