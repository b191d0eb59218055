/**
 * The pure parts of the operations contract, table-driven: which index a list walks, how a
 * page and its cursor are cut, the history rows one `record` upserts, which grain answers a
 * read, the queue snapshots, the bulk state conditions and the upkeep pace.
 */
import { emptyDurations, type HistoryCell, type JobState, normalizeListQuery } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { bulkStateCondition } from '../src/bulk.js';
import { grainFor, historyRows } from '../src/history.js';
import { upkeepIntervalMs } from '../src/maintenance.js';
import { buildListStatement, chooseWalk, type ListedRow, matchableStates, pageOf } from '../src/search.js';
import { queueSnapshots } from '../src/stats.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('chooseWalk', () => {
  it.each<[JobState[] | undefined, string | undefined, ReturnType<typeof chooseWalk>]>([
    [undefined, undefined, { kind: 'id' }],
    [undefined, 'q', { kind: 'queue' }],
    [['failed'], undefined, { kind: 'states', states: ['failed'] }],
    [['failed'], 'q', { kind: 'states', states: ['failed'] }],
    [
      ['completed', 'cancelled', 'failed'],
      undefined,
      { kind: 'states', states: ['cancelled', 'completed', 'failed'] },
    ],
    [['retrying'], undefined, { kind: 'states', states: ['retry'] }],
    [['running'], undefined, { kind: 'states', states: ['active'] }],
    [['running', 'failed'], undefined, { kind: 'states', states: ['active', 'failed'] }],
    // Waiting rows (pg-boss `created`) are in no state index: walk the queue or the ids.
    [['pending'], undefined, { kind: 'id' }],
    [['scheduled'], 'q', { kind: 'queue' }],
    [['pending', 'failed'], undefined, { kind: 'id' }],
  ])('states %j, queue %s → %j', (states, queue, walk) => {
    expect(chooseWalk(states, queue)).toEqual(walk);
  });
});

describe('matchableStates', () => {
  const finishedBefore = new Date();
  it.each<[JobState[] | undefined, Date | undefined, JobState[] | undefined]>([
    [undefined, undefined, undefined],
    [['pending'], undefined, ['pending']],
    // Only finished jobs have a finish time.
    [undefined, finishedBefore, ['completed', 'failed', 'cancelled']],
    [['failed', 'pending'], finishedBefore, ['failed']],
    [['pending', 'running'], finishedBefore, []],
  ])('states %j with finishedBefore %s → %j', (states, before, expected) => {
    expect(
      matchableStates({ ...(states ? { states } : {}), ...(before ? { finishedBefore: before } : {}) }),
    ).toEqual(expected);
  });
});

describe('buildListStatement', () => {
  const build = (input: Parameters<typeof normalizeListQuery>[0]) =>
    buildListStatement('s', { ...normalizeListQuery(input), scanLimit: 100 }, Date.UTC(2030, 0, 1));

  it('needs no statement when no job can match', () => {
    expect(build({ state: 'pending', finishedBefore: new Date() })).toBeNull();
  });

  it('passes every value as a typed parameter, the time only when a state needs it', () => {
    const statement = build({ state: 'failed', metadata: { tenant: "o'brien" }, payload: { 'a"b': [1] } })!;
    expect(statement.values).toEqual([100, '{"tenant":"o\'brien"}', 'a"b', '[1]', 51]);
    expect(statement.text).not.toContain("o'brien");
    expect(statement.text).toContain("j.state = 'failed'");
    const timed = build({ state: 'pending' })!;
    expect(timed.values).toContainEqual(new Date(Date.UTC(2030, 0, 1)));
    expect(timed.text).toMatch(/start_after <= \$\d+::timestamptz/);
  });

  it('reads running jobs through the lease-index CTE, once', () => {
    const statement = build({ state: ['running', 'failed'] })!;
    expect(statement.text.match(/WITH sy_running AS MATERIALIZED/g)).toHaveLength(1);
    expect(statement.text).toContain('FROM sy_running j');
    expect(build({ state: 'failed' })!.text).not.toContain('sy_running');
  });
});

describe('pageOf', () => {
  const row = (id: string, n: number, hit: boolean): ListedRow => ({ id, sy_n: String(n), sy_hit: hit });
  it.each<[string, ListedRow[], number, number, { ids: string[]; nextCursor?: string }]>([
    [
      'a full page continues after its last job',
      [row('e', 1, true), row('d', 3, true), row('c', 4, true)],
      2,
      100,
      { ids: ['e', 'd'], nextCursor: 'd' },
    ],
    ['the walk ended: no cursor', [row('e', 1, true), row('d', 5, true)], 2, 100, { ids: ['e', 'd'] }],
    [
      'the budget ran out: continue after the last row walked',
      [row('e', 2, true), row('a', 10, false)],
      5,
      10,
      { ids: ['e'], nextCursor: 'a' },
    ],
    [
      'the last row walked matched: it is on the page and the cursor',
      [row('e', 2, true), row('a', 10, true)],
      5,
      10,
      { ids: ['e', 'a'], nextCursor: 'a' },
    ],
    ['nothing matched within the budget', [row('a', 10, false)], 5, 10, { ids: [], nextCursor: 'a' }],
    ['nothing at all', [], 5, 10, { ids: [] }],
  ])('%s', (_name, rows, limit, scanLimit, expected) => {
    const page = pageOf(rows, limit, scanLimit);
    expect({
      ids: page.rows.map((r) => r.id),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    }).toEqual(expected);
  });
});

describe('historyRows', () => {
  const cell = (at: number, queue: string, task: string, completed: number): HistoryCell => {
    const durations = emptyDurations();
    durations[0] = completed;
    return { at, queue, task, completed, failed: 0, retried: 0, durations };
  };

  it('adds an hour row per (hour, queue, task), merges duplicates and sorts by key', () => {
    const base = Date.UTC(2030, 0, 1, 10);
    const rows = historyRows([
      cell(base + 61 * MINUTE, 'q', 't', 4),
      cell(base + MINUTE, 'q', 't', 1),
      cell(base + 2 * MINUTE, 'q', 't', 2),
      cell(base + MINUTE, 'q', 't', 10), // the same minute twice: merged
      cell(base + MINUTE, 'a', 't', 7),
    ]);
    expect(
      rows.map(({ grain, cell: c }) => [grain, c.at - base, c.queue, c.completed, c.durations[0]]),
    ).toEqual([
      ['h', 0, 'a', 7, 7],
      ['h', 0, 'q', 13, 13],
      ['h', HOUR, 'q', 4, 4],
      ['m', MINUTE, 'a', 7, 7],
      ['m', MINUTE, 'q', 11, 11],
      ['m', 2 * MINUTE, 'q', 2, 2],
      ['m', 61 * MINUTE, 'q', 4, 4],
    ]);
  });

  it('does not change the cells it was given', () => {
    const given = cell(Date.UTC(2030, 0, 1), 'q', 't', 3);
    const copy = structuredClone(given);
    historyRows([given, given]);
    expect(given).toEqual(copy);
  });
});

describe('grainFor', () => {
  const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);
  it.each<['1m' | '1h', number, number, 'm' | 'h']>([
    ['1h', 0, 3 * HOUR, 'h'],
    ['1h', 30 * MINUTE, 3 * HOUR, 'm'],
    ['1h', 0, HOUR + 1, 'm'],
    ['1m', 0, 3 * HOUR, 'm'],
  ])('bucket %s over [%d, %d) → %s rows', (bucket, from, to, grain) => {
    expect(grainFor({ bucket, from: at(from), to: at(to) })).toBe(grain);
  });
});

describe('queueSnapshots', () => {
  const now = Date.UTC(2030, 0, 1, 12);
  it('splits waiting rows by due-ness and takes the oldest due start as oldestPendingAt', () => {
    const snapshots = queueSnapshots(
      [
        { name: 'a', paused: false },
        { name: 'b', paused: true },
      ],
      [
        { name: 'a', state: 'created', count: '5', later: '2', oldest: new Date(now - 1000) },
        { name: 'a', state: 'retry', count: '1', later: '0', oldest: new Date(now - 5000) },
        { name: 'a', state: 'active', count: '3', later: '0', oldest: new Date(now - 9000) },
        { name: 'b', state: 'created', count: '2', later: '2', oldest: new Date(now + 1000) },
        { name: 'gone', state: 'created', count: '9', later: '0', oldest: new Date(now - 1) },
      ],
      [
        { name: 'a', state: 'completed', count: '7' },
        { name: 'b', state: 'cancelled', count: 1 },
      ],
      now,
    );
    expect(snapshots).toEqual([
      {
        queue: 'a',
        counts: { scheduled: 2, pending: 4, running: 3, retrying: 0, completed: 7, failed: 0, cancelled: 0 },
        oldestPendingAt: new Date(now - 5000),
        paused: false,
      },
      {
        queue: 'b',
        counts: { scheduled: 2, pending: 0, running: 0, retrying: 0, completed: 0, failed: 0, cancelled: 1 },
        oldestPendingAt: null,
        paused: true,
      },
    ]);
  });
});

describe('bulkStateCondition', () => {
  it.each<['retry' | 'cancel' | 'remove', JobState[], string | null]>([
    ['retry', ['failed', 'cancelled'], "((j.state = 'failed') OR (j.state = 'cancelled'))"],
    ['retry', ['completed'], null],
    ['cancel', ['running', 'completed'], "((j.state = 'active'))"],
    ['cancel', ['pending'], "((j.state IN ('created', 'retry') AND j.start_after <= $2::timestamptz))"],
    ['remove', ['completed'], "((j.state = 'completed'))"],
  ])('%s in %j → %s', (action, onlyIn, condition) => {
    expect(bulkStateCondition(action, onlyIn)).toBe(condition);
  });
});

describe('upkeepIntervalMs', () => {
  it.each([
    [7 * 24 * HOUR, 60_000],
    [2 * HOUR, 60_000],
    [100_000, 10_000],
    [1_000, 1_000],
  ])('history window %d ms → every %d ms', (retention, interval) => {
    expect(upkeepIntervalMs(retention)).toBe(interval);
  });
});
