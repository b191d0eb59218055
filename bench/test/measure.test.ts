import { describe, expect, it } from 'vitest';
import { StartLatency, timeBulkEnqueue, timeProcessing } from '../src/measure.ts';
import { until } from '../src/wait.ts';

describe('timeBulkEnqueue', () => {
  it('enqueues every job in batches of at most the batch size', async () => {
    const batches: number[] = [];
    const rate = await timeBulkEnqueue(2500, 1000, async (count) => batches.push(count));
    expect(batches).toEqual([1000, 1000, 500]);
    expect(rate).toBeGreaterThan(0);
  });
});

describe('timeProcessing', () => {
  it('waits until the consumer has completed every job', async () => {
    let completed = 0;
    const rate = await timeProcessing(
      30,
      () => completed,
      () => {
        const timer = setInterval(() => {
          completed += 10;
          if (completed >= 30) clearInterval(timer);
        }, 5);
      },
    );
    expect(completed).toBe(30);
    expect(rate).toBeGreaterThan(0);
  });
});

describe('until', () => {
  it('resolves false once the timeout passes without the condition holding', async () => {
    expect(await until(() => false, 20)).toBe(false);
    expect(await until(() => true, 20)).toBe(true);
  });
});

describe('StartLatency', () => {
  it('takes one sample per idle job and reports its percentiles', async () => {
    const latency = new StartLatency();
    const result = await latency.measure(
      3,
      async () => {
        setTimeout(latency.record, 2);
      },
      0,
    );
    expect(latency.samples).toHaveLength(3);
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.p95Ms).toBeGreaterThanOrEqual(result.p50Ms);
  });

  it('fails when an idle job never starts, instead of reporting a short sample set', async () => {
    const latency = new StartLatency(50);
    await expect(latency.measure(1, async () => undefined, 0)).rejects.toThrow(/did not start/);
  });
});
