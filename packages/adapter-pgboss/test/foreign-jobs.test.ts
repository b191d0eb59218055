/** Pure policy of plain pg-boss producers' rows: the foreignJobs mapping and the option's checks. */
import { MalformedJobError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import type { JobRow } from '../src/codec.js';
import { adoptedFields, adoptedRow } from '../src/foreign-jobs.js';
import { resolveOptions } from '../src/options.js';

/** A row as `boss.send('images', { url })` leaves it, claimed. */
function sentRow(overrides: Partial<JobRow> = {}): JobRow {
  return {
    id: '01a20000-0000-7000-8000-000000000009',
    name: 'images',
    data: { url: 'https://example.com/a.png' },
    priority: 0,
    state: 'active',
    retry_count: 1,
    start_after: new Date(1_000_000),
    created_on: new Date(1_000_000),
    started_on: new Date(1_000_500),
    completed_on: null,
    output: null,
    no_output: true,
    singleton_key: null,
    sy_task: null,
    sy_max_attempts: null,
    sy_options: null,
    sy_metadata: null,
    sy_progress: null,
    sy_error: null,
    sy_cancel_requested: false,
    sy_redelivered: false,
    sy_lease_token: '7b0c2b0e-1c9e-4d39-9a7c-0c4d3f6b8e11',
    retry_limit: 2,
    retry_delay: 0,
    retry_backoff: false,
    ...overrides,
  };
}

describe('foreign job mappings (pg-boss)', () => {
  it("{ task } keeps the row's data as payload; attempts and backoff follow pg-boss's retry columns", () => {
    const fields = adoptedFields({ task: 'resize-image' }, sentRow());
    expect(fields).toEqual({
      task: 'resize-image',
      pgPriority: 0,
      maxAttempts: 3,
      options: { backoff: { type: 'fixed', delay: 0, jitter: 'none' } },
      metadata: null,
    });
    expect(adoptedRow(sentRow(), fields)).toMatchObject({ sy_task: 'resize-image', data: sentRow().data });
    expect(
      adoptedFields(
        { task: 'resize-image' },
        sentRow({ retry_limit: 0, retry_delay: 5, retry_backoff: true }),
      ),
    ).toMatchObject({
      maxAttempts: 1,
      options: { backoff: { type: 'exponential', delay: 5000, factor: 2, jitter: 'none' } },
    });
  });

  it("settings of the mapping win over pg-boss's; a function decides task, payload, priority and metadata", () => {
    expect(
      adoptedFields({ task: 'resize-image', maxAttempts: null, timeoutMs: 500 }, sentRow()),
    ).toMatchObject({ maxAttempts: null, options: { timeoutMs: 500 } });
    const fields = adoptedFields(
      (row) => ({
        task: 'notify',
        payload: { url: (row.data as { url: string }).url, from: row.name },
        priority: 2,
        metadata: { via: 'pg-boss' },
      }),
      sentRow(),
    );
    expect(fields).toMatchObject({
      task: 'notify',
      payload: { url: 'https://example.com/a.png', from: 'images' },
      pgPriority: 7,
      metadata: { via: 'pg-boss' },
    });
    expect(adoptedRow(sentRow(), fields)).toMatchObject({
      data: { url: 'https://example.com/a.png', from: 'images' },
      priority: 7,
    });
  });

  it('a throwing, empty or out-of-range mapping makes the job malformed, naming queue and job', () => {
    const row = sentRow();
    const cases = [
      () => {
        throw new Error('no such kind');
      },
      () => ({}) as never,
      () => ({ task: 'notify', payload: 1, priority: 12 }),
    ];
    for (const mapping of cases) {
      let error: unknown;
      try {
        adoptedFields(mapping, row);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(MalformedJobError);
      expect((error as Error).message).toContain('"images"');
      expect((error as Error).message).toContain(row.id);
    }
  });

  it('foreignJobs is checked at construction', () => {
    const base = { connectionString: 'postgres://x' };
    expect(() => resolveOptions({ ...base, foreignJobs: { images: { task: '' } } })).toThrow(
      /foreignJobs\["images"\]/,
    );
    expect(() => resolveOptions({ ...base, foreignJobs: { images: 'resize' as never } })).toThrow(
      /foreignJobs\["images"\]/,
    );
    expect(
      resolveOptions({ ...base, foreignJobs: { images: { task: 'resize-image' } } }).foreignJobs,
    ).toEqual({
      images: { task: 'resize-image' },
    });
  });
});
