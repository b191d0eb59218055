import { describe, expect, it } from 'vitest';
import { briefError } from '../src/brief-error.ts';
import { parseScriptTable, pickRow, pickRows, readTableRows } from '../src/scenarios/script-runner.ts';
import { parseSqsReport } from '../src/scenarios/sqs.ts';

const columns = [
  { header: 'processing jobs/s', metric: { key: 'processRate', label: 'jobs/s', better: 'higher' as const } },
  { header: 'idle start p50 ms', metric: { key: 'p50', label: 'p50 ms', better: 'lower' as const } },
];

const table = `
noise | not a table
| system | bulk enqueue jobs/s | processing jobs/s | idle start p50 ms | notes |
|---|---:|---:|---:|---|
| graphile-worker | 15472 | 552 | 9.5 | concurrency 20 |
| raw pg-boss 12 | 10,890 | 221 | - | poll 0.5 s |
`;

describe('parseScriptTable', () => {
  it("reads one system's columns and notes", () => {
    expect(parseScriptTable(table, 'raw pg-boss', columns)).toEqual({
      sample: { processRate: 221 },
      notes: 'poll 0.5 s',
    });
    expect(parseScriptTable(table, 'graphile-worker', columns).sample).toEqual({
      processRate: 552,
      p50: 9.5,
    });
  });

  it('names what is missing', () => {
    expect(() => parseScriptTable(table, 'switchyard', columns)).toThrow('no row for "switchyard"');
    expect(() => parseScriptTable('nothing', 'x', columns)).toThrow('no table');
    expect(() =>
      parseScriptTable(table, 'graphile', [
        { header: 'absent', metric: { key: 'a', label: 'a', better: 'higher' } },
      ]),
    ).toThrow('no column "absent"');
  });
});

describe('parseSqsReport', () => {
  it('turns every round into a sample and puts calls per job on the first', () => {
    const report = `SQS on fauxqs in-process, 1000 no-op jobs, 2 rounds (median)

switchyard sqs adapter (concurrency 20)
  processing: 1333 jobs/s (rounds: 610, 1333)
  enqueue:    0.100 calls/job (SendMessageBatch 0.100)
  processing: 0.204 calls/job (DeleteMessageBatch 0.101, ReceiveMessage 0.103)

sqs-consumer 15 (batchSize 10)
  processing: 729 jobs/s (rounds: 729, 575)
  enqueue:    0.100 calls/job (SendMessageBatch 0.100)
  processing: 1.100 calls/job (DeleteMessage 1.000, ReceiveMessage 0.100)
`;
    expect(parseSqsReport(report)).toEqual({
      switchyard: [{ rate: 610, enqueueCalls: 0.1, processCalls: 0.204 }, { rate: 1333 }],
      'sqs-consumer': [{ rate: 729, enqueueCalls: 0.1, processCalls: 1.1 }, { rate: 575 }],
    });
  });
});

describe('briefError', () => {
  it("keeps the line that names a child process's error", () => {
    const error = new Error(
      'Command failed: node bench/src/sqs.ts\nfile:///x.ts:184\n   ^\n\nReferenceError: ListQueuesCommand is not defined\n    at dropPrefix (x.ts:1)',
    );
    expect(briefError(error)).toBe('ReferenceError: ListQueuesCommand is not defined');
  });

  it('falls back to the first line', () => {
    expect(briefError(new Error('took longer than 300 s\nmore'))).toBe('took longer than 300 s');
    expect(briefError('plain')).toBe('plain');
  });
});

describe('readTableRows', () => {
  it("reads Node's console.table box", () => {
    const box = `
BullMQ on redis://127.0.0.1:6379: 2000 jobs
┌─────────┬──────────────────────────────┬────────────────┬──────────┐
│ (index) │ system                       │ process jobs/s │ p50 ms   │
├─────────┼──────────────────────────────┼────────────────┼──────────┤
│ 0       │ 'raw BullMQ 6 (Queue.addBulk)' │ 5673           │ '2.17'   │
│ 1       │ 'switchyard yard + worker'   │ 3185           │ '2.69'   │
└─────────┴──────────────────────────────┴────────────────┴──────────┘
`;
    const rows = readTableRows(box);
    expect(rows.map((row) => row.system)).toEqual([
      'raw BullMQ 6 (Queue.addBulk)',
      'switchyard yard + worker',
    ]);
    const boxColumns = [
      {
        header: 'process jobs/s',
        metric: { key: 'processRate', label: 'jobs/s', better: 'higher' as const },
      },
      { header: 'p50 ms', metric: { key: 'p50', label: 'ms', better: 'lower' as const } },
    ];
    expect(pickRow(rows, 'raw bullmq', boxColumns).sample).toEqual({ processRate: 5673, p50: 2.17 });
  });

  it('reads one row per round for a system, in order, and not a system whose name only contains it', () => {
    const box = `
Every round (the four systems alternate within a round):
┌─────────┬──────────────────────────┬───────┬────────────────┐
│ (index) │ system                   │ round │ process jobs/s │
├─────────┼──────────────────────────┼───────┼────────────────┤
│ 0       │ 'raw BullMQ 6'           │ 1     │ 5673           │
│ 1       │ 'prioritized raw BullMQ' │ 1     │ 5100           │
│ 2       │ 'raw BullMQ 6'           │ 2     │ 6010           │
│ 3       │ 'prioritized raw BullMQ' │ 2     │ 4900           │
└─────────┴──────────────────────────┴───────┴────────────────┘
Median of 2 rounds:
┌─────────┬──────────────────────────┬────────────────┐
│ (index) │ system                   │ process jobs/s │
├─────────┼──────────────────────────┼────────────────┤
│ 0       │ 'raw BullMQ 6'           │ 5842           │
└─────────┴──────────────────────────┴────────────────┘
`;
    const columns = [
      {
        header: 'process jobs/s',
        metric: { key: 'processRate', label: 'jobs/s', better: 'higher' as const },
      },
    ];
    const rows = readTableRows(box);
    expect(pickRows(rows, 'raw bullmq', columns).map((row) => row.sample)).toEqual([
      { processRate: 5673 },
      { processRate: 6010 },
    ]);
    expect(pickRows(rows, 'prioritized raw', columns)).toHaveLength(2);
    expect(() => pickRows(rows, 'switchyard', columns)).toThrow('no row for "switchyard"');
  });
});
