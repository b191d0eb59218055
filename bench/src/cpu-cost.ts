/**
 * Where a phase's time goes: the CPU this Node process and the backend's server spent on
 * it, per job. On two cores Node and Redis share the machine, so a contender that spends
 * less CPU in either runs faster; these columns say which side a ratio's gap sits on.
 */
import { Redis } from 'ioredis';

/** CPU seconds the server has used since it started. */
export type ServerCpu = () => Promise<number>;

/** CPU per job of one phase, in microseconds. */
export interface CpuCost {
  nodeUsPerJob: number;
  serverUsPerJob: number;
}

/** Runs `work` (which handles `jobs` jobs) and measures the CPU it cost this process and the server. */
export async function withCpuCost<T>(
  jobs: number,
  serverCpu: ServerCpu,
  work: () => Promise<T>,
): Promise<{ result: T; cost: CpuCost }> {
  const serverBefore = await serverCpu();
  const nodeBefore = process.cpuUsage();
  const result = await work();
  const node = process.cpuUsage(nodeBefore);
  const serverAfter = await serverCpu();
  return {
    result,
    cost: {
      nodeUsPerJob: (node.user + node.system) / jobs,
      serverUsPerJob: ((serverAfter - serverBefore) * 1e6) / jobs,
    },
  };
}

/** Pure: the CPU seconds (user + system, every thread) in the text of Redis's `INFO cpu`. */
export function parseRedisCpu(info: string): number {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:([0-9.]+)\\r?$`, 'm').exec(info);
    if (match === null) throw new Error(`INFO cpu has no ${name} field`);
    return Number(match[1]);
  };
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Reads Redis's own CPU time over a connection of its own. */
export function redisCpu(url: string): { read: ServerCpu; close(): void } {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  return {
    read: async () => parseRedisCpu(await redis.info('cpu')),
    close: () => redis.disconnect(),
  };
}
