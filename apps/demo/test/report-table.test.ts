import { describe, expect, it } from 'vitest';
import { canonicalJson, shortJson } from '../src/json-text.ts';
import { jobCell, renderSwapTable, sameMark } from '../src/report-table.ts';
import type { ScenarioReport } from '../src/scenario.ts';

const capabilities = {
  durable: false,
  transactionalEnqueue: false,
  ordering: 'strict' as const,
  maxPayloadBytes: 1024,
  maxDelayMs: Number.POSITIVE_INFINITY,
  crossProcessCancel: false,
  nativeScheduler: false,
  crossProcessLeases: false,
};

function report(backend: string, attempts: number, note?: string): ScenarioReport {
  return {
    backend,
    capabilities,
    ordersStore: 'in memory',
    totalMs: 1234,
    steps: [
      {
        key: 'delivery-retried',
        title: 'retries',
        outcome: 'DELIVERED',
        elapsedMs: 900,
        problems: [],
        ...(note ? { note } : {}),
        jobs: [{ task: 'deliver-premium', state: 'completed', attempts, result: { b: 1, a: 2 } }],
      },
    ],
  };
}

describe('swap table', () => {
  it('sameMark tells agreement, declared differences and real ones apart', () => {
    expect(sameMark(['x', 'x', 'x'], [true, true, true], [false, false, false])).toBe('=');
    expect(sameMark(['x', 'x', 'y'], [true, true, true], [false, false, true])).toBe('≠ declared');
    expect(sameMark(['x', 'y', 'y'], [true, true, true], [false, false, true])).toBe('≠');
    expect(sameMark(['x', 'y'], [true, false], [false, false])).toBe('');
  });

  it('canonical JSON ignores key order (jsonb reorders keys)', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe(canonicalJson({ a: { c: 2, d: 1 }, b: 1 }));
    expect(shortJson({ text: 'x'.repeat(100) }, 10)).toHaveLength(10);
    expect(jobCell({ task: 't', state: 'failed', attempts: 3, error: 'boom' })).toBe('failed ×3 boom');
  });

  it('renders one column per backend, unavailable ones with their reason', () => {
    const table = renderSwapTable([
      { backend: 'memory', report: report('memory', 3) },
      { backend: 'bullmq', report: report('bullmq', 3) },
      { backend: 'pgboss', unavailable: 'PostgreSQL is unreachable at DATABASE_URL=x' },
      { backend: 'sqs', report: report('sqs', 2, 'ordering is best-effort here (declared)') },
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^step \/ job\s+│ memory\s+│ bullmq\s+│ pgboss\s+│ sqs\s+│ same\?$/);
    expect(lines.find((line) => line.startsWith('1. delivery-retried'))).toContain('unavailable: PostgreSQL');
    expect(lines.find((line) => line.includes('deliver-premium'))).toMatch(
      /completed ×3 \{"a":2,"b":1\}.*≠ declared$/,
    );
    expect(table).toContain('pgboss: unavailable: PostgreSQL is unreachable at DATABASE_URL=x');
    expect(table).toContain('sqs / delivery-retried: ordering is best-effort here (declared)');
  });

  it('lists what differs on a row that differs without a declared reason', () => {
    const withError = report('memory', 3);
    withError.steps[0]!.jobs[0]!.error = 'courier timed out (attempt 2)';
    const table = renderSwapTable([
      { backend: 'memory', report: withError },
      { backend: 'bullmq', report: report('bullmq', 3) },
    ]);
    expect(table.split('\n').find((line) => line.includes('deliver-premium'))).toMatch(/│ ≠$/);
    expect(table).toContain(
      '≠ 1. delivery-retried / deliver-premium: error: memory="courier timed out (attempt 2)", bullmq=null',
    );
    expect(table).toMatch(/ {3}elapsed\s+│ 900 ms/);
  });
});
