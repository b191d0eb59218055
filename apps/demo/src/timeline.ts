/**
 * Prints each job's life as it happens: time, task, what it is about, state,
 * attempt. Formatting is pure (`formatJobEvent`); `attachTimeline` wires it to a yard.
 */
import type { JobRecord, Switchyard, SwitchyardEvents } from '@switchyard/core';
import { shortJson } from './json-text.ts';

/** The events the timeline shows. */
export const TIMELINE_EVENTS = [
  'job:enqueued',
  'job:started',
  'job:retrying',
  'job:completed',
  'job:failed',
  'job:cancelled',
] as const;
type TimelineEvent = (typeof TIMELINE_EVENTS)[number];

/** Width of the "about" column. */
export const SUBJECT_WIDTH = 32;

/** `HH:MM:SS.mmm` in UTC. */
export function clockTime(at: Date): string {
  return at.toISOString().slice(11, 23);
}

/** What a job is about, from its payload: an order id, a recipient, a report period, an import ref. */
export function subjectOf(job: JobRecord): string {
  const payload = (job.payload ?? {}) as Record<string, unknown>;
  const subject = payload.orderId ?? payload.to ?? payload.period ?? payload.legacyRef ?? '';
  const template = typeof payload.template === 'string' ? ` (${payload.template})` : '';
  return `${String(subject)}${template}`;
}

/** One readable line for one job event. */
export function formatJobEvent<E extends TimelineEvent>(
  event: E,
  payload: SwitchyardEvents[E],
  at: Date,
): string {
  const { job } = payload;
  const attempts = job.maxAttempts === null ? '∞' : String(job.maxAttempts);
  const head = `${clockTime(at)}  ${job.task.padEnd(20)} ${subjectOf(job).padEnd(SUBJECT_WIDTH)} #${job.id.slice(-6)}  `;
  switch (event) {
    case 'job:enqueued':
      return job.state === 'scheduled'
        ? `${head}scheduled   runs at ${clockTime(new Date(job.runAt))}`
        : `${head}queued      on "${job.queue}", priority ${job.priority}`;
    case 'job:started':
      return `${head}running     attempt ${job.attempt}/${attempts}`;
    case 'job:retrying': {
      const { error, runAt } = payload as SwitchyardEvents['job:retrying'];
      const inMs = Math.max(0, runAt.getTime() - at.getTime());
      return `${head}retrying    attempt ${job.attempt}/${attempts} failed: ${error.message}; next in ${inMs} ms`;
    }
    case 'job:completed': {
      const { result, durationMs } = payload as SwitchyardEvents['job:completed'];
      return `${head}completed   attempt ${job.attempt}/${attempts} in ${Math.round(durationMs)} ms ${shortJson(result)}`;
    }
    case 'job:failed': {
      const { error } = payload as SwitchyardEvents['job:failed'];
      return `${head}FAILED      attempt ${job.attempt}/${attempts}: ${error.message} → onFailed`;
    }
    default:
      return `${head}cancelled`;
  }
}

/** One line for an order status change, aligned with the job lines. */
export function formatOrderStatus(
  orderId: string,
  status: string,
  needsAttention: boolean,
  at: Date,
): string {
  const flag = needsAttention ? '  ⚑ needs a human' : '';
  return `${clockTime(at)}  ${'order'.padEnd(20)} ${orderId.padEnd(SUBJECT_WIDTH)}          ⇢ ${status}${flag}`;
}

/**
 * Prints every job event of `yard` through `print`. The expiry sweep runs every
 * second, so its runs are shown only when they expired something.
 * Returns a function that detaches the timeline.
 */
export function attachTimeline(yard: Switchyard, print: (line: string) => void): () => void {
  const offs = TIMELINE_EVENTS.map((event) =>
    yard.on(event, (payload: SwitchyardEvents[typeof event]) => {
      if (isQuietSweep(event, payload)) return;
      print(formatJobEvent(event, payload, new Date()));
    }),
  );
  return () => {
    for (const off of offs) off();
  };
}

function isQuietSweep(event: TimelineEvent, payload: SwitchyardEvents[TimelineEvent]): boolean {
  if (payload.job.task !== 'expire-unpaid-orders') return false;
  if (event !== 'job:completed') return event !== 'job:failed';
  const result = (payload as SwitchyardEvents['job:completed']).result as { expired?: number } | undefined;
  return !result?.expired;
}
