/** Runs examples/bullmq-migration: a plain BullMQ producer and a Switchyard worker side by side. */
import { beforeAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from './harness.js';
import { REDIS_URL, requireRedis } from './redis-required.js';

/** The example lives outside this package (and its typecheck): loaded by URL, its report typed here. */
const EXAMPLE = new URL('../../../examples/bullmq-migration/src/run.ts', import.meta.url);
interface MigrationReport {
  producerResults: Record<string, unknown>;
  switchyardJobs: Array<{ id: string; task: string; state: string; payload: unknown; result?: unknown }>;
  refused: { state: string; errorCode?: string; rawData: unknown };
}
const { runMigration } = (await import(EXAMPLE.href)) as {
  runMigration(redisUrl: string, prefix: string): Promise<MigrationReport>;
};

beforeAll(requireRedis);

describe('examples/bullmq-migration', () => {
  it('the plain producer gets its results; Switchyard sees the jobs; refused data fails with its raw data kept', async () => {
    const prefix = uniquePrefix();
    const report = await runMigration(REDIS_URL, prefix);
    expect(Object.values(report.producerResults)).toEqual([
      { thumbnail: 'https://example.com/cat.png?w=64', attempt: 1 },
      { thumbnail: 'https://example.com/dog.png?w=256', attempt: 1 },
    ]);
    expect(report.switchyardJobs).toEqual([
      expect.objectContaining({
        task: 'resize-image',
        state: 'completed',
        payload: { url: 'https://example.com/cat.png', width: 64 },
      }),
      expect.objectContaining({
        task: 'resize-image',
        state: 'completed',
        payload: { url: 'https://example.com/dog.png' },
      }),
    ]);
    expect(report.refused).toEqual({
      state: 'failed',
      errorCode: 'VALIDATION_FAILED',
      rawData: { url: 'not a url' },
    });
  });
});
