/**
 * Observed state sequences. Every state a test sees (from yard events, or from polling
 * `jobs.get` while gates hold the job still) is checked against core's `JOB_TRANSITIONS`
 * with `checkSequence`, so an adapter cannot take a path the state machine forbids.
 */
import { checkSequence, type EventSource, type JobState, type SwitchyardEvents } from '@switchyard/core';
import { expect } from 'vitest';

/** One job event as recorded. */
export interface RecordedEvent {
  /** The event name, or `'observed'` for a state the test saw itself (see `observe`). */
  event: keyof SwitchyardEvents | 'observed';
  jobId: string;
  /** The state this event says the job entered (undefined for progress/stalled). */
  state?: JobState;
  at: number;
  payload: unknown;
}

const STATE_OF_EVENT: Partial<Record<keyof SwitchyardEvents, JobState>> = {
  'job:started': 'running',
  'job:retrying': 'retrying',
  'job:completed': 'completed',
  'job:failed': 'failed',
  'job:cancelled': 'cancelled',
};

const JOB_EVENTS = [
  'job:enqueued',
  'job:started',
  'job:progress',
  'job:completed',
  'job:retrying',
  'job:failed',
  'job:cancelled',
  'job:stalled',
] as const;

/** Records every job event of a yard (or worker), per job, from the moment it is created. */
export class EventLog {
  readonly events: RecordedEvent[] = [];
  private readonly offs: Array<() => void>;

  constructor(source: EventSource) {
    this.offs = JOB_EVENTS.map((event) =>
      source.on(event, (payload) => {
        const job = (payload as { job: { id: string; state: JobState } }).job;
        const state = event === 'job:enqueued' ? job.state : STATE_OF_EVENT[event];
        this.events.push({ event, jobId: job.id, ...(state ? { state } : {}), at: Date.now(), payload });
      }),
    );
  }

  /**
   * Adds a state the test itself observed (e.g. the record `jobs.retry` returned), since
   * some transitions, like a manual retry, emit no event.
   */
  observe(jobId: string, state: JobState): void {
    this.events.push({ event: 'observed', jobId, state, at: Date.now(), payload: null });
  }

  /** Events of one job, in order. */
  of(jobId: string): RecordedEvent[] {
    return this.events.filter((entry) => entry.jobId === jobId);
  }

  /** Names of one job's events, in order (test observations left out). */
  names(jobId: string): string[] {
    return this.of(jobId)
      .filter((entry) => entry.event !== 'observed')
      .map((entry) => entry.event);
  }

  /** How many `event`s fired (for one job when `jobId` is given). */
  count(event: keyof SwitchyardEvents, jobId?: string): number {
    return this.events.filter(
      (entry) => entry.event === event && (jobId === undefined || entry.jobId === jobId),
    ).length;
  }

  /** Names of one job's events after `job:enqueued`, in order. */
  lifecycle(jobId: string): string[] {
    return this.names(jobId).filter((name) => name !== 'job:enqueued');
  }

  /**
   * The states one job's events say it went through, in the order they fired. Core
   * keeps a process's events causally ordered, so `job:enqueued` always comes first.
   */
  states(jobId: string): JobState[] {
    return this.of(jobId).flatMap((entry) => (entry.state ? [entry.state] : []));
  }

  /** Asserts that every job seen moved only along legal transitions. */
  expectLegalSequences(): void {
    for (const jobId of new Set(this.events.map((entry) => entry.jobId))) {
      expectLegalSequence(this.states(jobId), `events of job ${jobId}`);
    }
  }

  /** Unsubscribes. */
  stop(): void {
    for (const off of this.offs) off();
  }
}

/** Asserts `states` (from enqueue on) is a legal path of the job state machine. */
export function expectLegalSequence(states: readonly JobState[], label: string): void {
  const check = checkSequence(states);
  const detail = check.ok ? '' : `illegal ${check.from} -> ${check.to} at index ${check.index}`;
  expect(check.ok, `${label}: [${states.join(', ')}] ${detail}`).toBe(true);
}
