import { describe, expect, it } from 'vitest';
import { parseRedisCpu, withCpuCost } from '../src/cpu-cost.ts';

const INFO = '# CPU\r\nused_cpu_sys:12.500000\r\nused_cpu_user:30.250000\r\nused_cpu_sys_children:1.0\r\n';

describe('parseRedisCpu', () => {
  it('adds user and system time, not the children', () => {
    expect(parseRedisCpu(INFO)).toBeCloseTo(42.75);
  });

  it('refuses an INFO reply without the fields', () => {
    expect(() => parseRedisCpu('# CPU\r\nused_cpu_sys:1\r\n')).toThrow(/no used_cpu_user field/);
  });
});

describe('withCpuCost', () => {
  it("divides the server's and this process's CPU by the jobs", async () => {
    const readings = [10, 10.5];
    const { result, cost } = await withCpuCost(
      1000,
      async () => readings.shift() ?? Number.NaN,
      async () => {
        const until = performance.now() + 20;
        while (performance.now() < until); // burns CPU in this process
        return 'done';
      },
    );
    expect(result).toBe('done');
    expect(cost.serverUsPerJob).toBeCloseTo(500);
    expect(cost.nodeUsPerJob).toBeGreaterThan(5);
  });
});
