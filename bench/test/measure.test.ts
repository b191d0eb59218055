import { describe, expect, it } from 'vitest';
import {
  type LatencyProbe,
  measureInterleaved,
  StartLatency,
  timeBulkEnqueue,
  timeProcessing,
} from '../src/measure.ts';
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

describe('measureInterleaved', () => {
  /** A probe whose handler starts `delayMs` after the enqueue; records the order of enqueues in `log`. */
  function probe(name: string, delayMs: number, log: string[]): LatencyProbe {
    const latency = new StartLatency();
    return {
      latency,
      enqueueOne: async () => {
        log.push(name);
        setTimeout(latency.record, delayMs);
      },
      close: async () => {},
    };
  }

  it('takes one sample of each contender at a time, rotating who goes first', async () => {
    const log: string[] = [];
    const probes = [probe('a', 1, log), probe('b', 1, log), probe('c', 1, log)];
    await measureInterleaved(probes, 3, 0);
    expect(log).toEqual(['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
    for (const { latency } of probes) expect(latency.samples).toHaveLength(3);
  });

  it("reports each contender's own percentiles, in the probes' order", async () => {
    const log: string[] = [];
    const slow = probe('slow', 20, log);
    // Starts within the enqueue call itself.
    const fast: LatencyProbe = { ...probe('fast', 0, log), enqueueOne: async () => fast.latency.record() };
    const results = await measureInterleaved([slow, fast], 3, 0);
    expect(results).toEqual([slow.latency.percentiles(), fast.latency.percentiles()]);
    expect(results[0]!.p50Ms).toBeGreaterThan(results[1]!.p50Ms);
  });

  it('names the contender whose idle job never started', async () => {
    const stuck: LatencyProbe = {
      latency: new StartLatency(50),
      enqueueOne: async () => {},
      close: async () => {},
    };
    await expect(measureInterleaved([probe('a', 1, []), stuck], 1, 0)).rejects.toThrow(
      /idle job 1 of 1 \(contender 2\) did not start/,
    );
  });
});
