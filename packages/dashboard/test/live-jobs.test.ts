import { describe, expect, it } from 'vitest';
import { EMPTY_FILTERS } from '../app/src/job-filters.ts';
import {
  applyJobEvent,
  insertJob,
  type JobRow,
  MAX_LIVE_ROWS,
  replayJobEvents,
} from '../app/src/live-jobs.ts';
import type { Job, JobEvent } from '../app/src/types.ts';

const job = (id: string, createdAt: string, patch: Partial<Job> = {}): Job => ({
  id,
  task: 'send-email',
  queue: 'email',
  state: 'pending',
  payload: {},
  priority: 5,
  attempt: 0,
  maxAttempts: 3,
  createdAt,
  runAt: createdAt,
  metadata: {},
  ...patch,
});
const event = (jobId: string, patch: Partial<JobEvent> = {}): JobEvent => ({
  type: 'enqueued',
  id: `e-${jobId}-${patch.type ?? 'enqueued'}`,
  jobId,
  queue: 'email',
  task: 'send-email',
  state: 'pending',
  attempt: 0,
  at: '2026-01-01T10:00:05.000Z',
  createdAt: '2026-01-01T10:00:05.000Z',
  ...patch,
});
const rows = (): JobRow[] => [
  { job: job('c', '2026-01-01T10:00:03.000Z') },
  { job: job('b', '2026-01-01T10:00:02.000Z') },
  { job: job('a', '2026-01-01T10:00:01.000Z') },
];
const context = { filters: EMPTY_FILTERS, firstPage: true, pageFull: true, now: 1 };

describe('applyJobEvent', () => {
  it('puts a new job on top of the first page', () => {
    const update = applyJobEvent(rows(), event('d'), context);
    expect(update.rows.map((row) => row.job.id)).toEqual(['d', 'c', 'b', 'a']);
    expect(update.rows[0]!.job).toMatchObject({ state: 'pending', task: 'send-email', queue: 'email' });
  });

  it('changes a known job in place, keeping the order', () => {
    const started = applyJobEvent(
      rows(),
      event('b', { type: 'started', state: 'running', attempt: 1 }),
      context,
    );
    const failed = applyJobEvent(
      started.rows,
      event('b', { type: 'failed', state: 'failed', attempt: 1, error: { name: 'Boom', message: 'x' } }),
      context,
    );
    expect(failed.rows.map((row) => row.job.id)).toEqual(['c', 'b', 'a']);
    expect(failed.rows[1]!.job).toMatchObject({
      state: 'failed',
      attempt: 1,
      error: { name: 'Boom', message: 'x' },
    });
    expect(failed.rows[1]!.job.startedAt).toBe('2026-01-01T10:00:05.000Z');
    expect(failed.rows[1]!.changedAt).toBe(1);
  });

  it('marks a row stale when it leaves the filtered state, instead of removing it', () => {
    const filters = { ...EMPTY_FILTERS, states: ['pending' as const] };
    const update = applyJobEvent(rows(), event('b', { type: 'started', state: 'running', attempt: 1 }), {
      ...context,
      filters,
    });
    expect(update.rows).toHaveLength(3);
    expect(update.rows[1]).toMatchObject({ stale: true, job: { state: 'running' } });
  });

  it('a manual retry clears the error and the finish time', () => {
    const start = [
      {
        job: job('a', '2026-01-01T10:00:01.000Z', {
          state: 'failed',
          error: { name: 'E', message: 'm' },
          finishedAt: 'x',
        }),
      },
    ];
    const update = applyJobEvent(start, event('a', { retry: true }), context);
    expect(update.rows[0]!.job.error).toBeUndefined();
    expect(update.rows[0]!.job.finishedAt).toBeUndefined();
  });

  it('ignores new jobs that do not match, off the first page, or only reporting progress', () => {
    const start = rows();
    expect(
      applyJobEvent(start, event('d', { queue: 'reports' }), {
        ...context,
        filters: { ...EMPTY_FILTERS, queue: 'email' },
      }).rows,
    ).toBe(start);
    expect(applyJobEvent(start, event('d'), { ...context, firstPage: false }).rows).toBe(start);
    expect(applyJobEvent(start, event('d', { type: 'progress', state: 'running' }), context).rows).toBe(
      start,
    );
  });

  it('asks for the record when metadata or payload filters decide', () => {
    const filters = { ...EMPTY_FILTERS, metadata: [['tenant', 'acme']] as [string, string][] };
    const update = applyJobEvent(rows(), event('d'), { ...context, filters });
    expect(update.fetch).toBe('d');
    expect(update.rows).toHaveLength(3);
  });

  it('places an older job by its creation time, and not past a full page', () => {
    const older = event('m', { createdAt: '2026-01-01T10:00:01.500Z' });
    expect(applyJobEvent(rows(), older, context).rows.map((row) => row.job.id)).toEqual(['c', 'b', 'm', 'a']);
    const oldest = event('z', { createdAt: '2026-01-01T09:00:00.000Z' });
    expect(applyJobEvent(rows(), oldest, context).rows).toHaveLength(3);
    expect(
      applyJobEvent(rows(), oldest, { ...context, pageFull: false }).rows.map((row) => row.job.id),
    ).toEqual(['c', 'b', 'a', 'z']);
  });
});

describe('insertJob', () => {
  it('replaces a job already there and caps the rows', () => {
    const many: JobRow[] = Array.from({ length: MAX_LIVE_ROWS }, (_, index) => ({
      job: job(
        `j${String(index).padStart(4, '0')}`,
        new Date(Date.UTC(2026, 0, 1) - index * 1000).toISOString(),
      ),
    }));
    const next = insertJob(many, job('new', '2026-02-01T00:00:00.000Z'), true, 5);
    expect(next).toHaveLength(MAX_LIVE_ROWS);
    expect(next[0]!.job.id).toBe('new');
    const replaced = insertJob(next, job('new', '2026-02-01T00:00:00.000Z', { state: 'completed' }), true, 6);
    expect(replaced[0]!.job.state).toBe('completed');
    expect(replaced).toHaveLength(MAX_LIVE_ROWS);
  });
});

describe('replayJobEvents', () => {
  it('keeps a job enqueued while the page loaded, and ends each known job at its newest state', () => {
    const during = [
      event('d'),
      event('b', { type: 'started', state: 'running', attempt: 1 }),
      event('b', { type: 'completed', state: 'completed', attempt: 1 }),
    ];
    const replayed = replayJobEvents(rows(), during, context);
    expect(replayed.rows.map((row) => [row.job.id, row.job.state])).toEqual([
      ['d', 'pending'],
      ['c', 'pending'],
      ['b', 'completed'],
      ['a', 'pending'],
    ]);
    expect(replayed.fetch).toEqual([]);
  });

  it('asks for the records it needs to judge a metadata filter', () => {
    const filters = { ...EMPTY_FILTERS, metadata: [['tenant', 'acme']] as [string, string][] };
    const replayed = replayJobEvents(rows(), [event('d'), event('e')], { ...context, filters });
    expect(replayed.rows).toHaveLength(3);
    expect(replayed.fetch.map((fetched) => fetched.jobId)).toEqual(['d', 'e']);
  });
});
