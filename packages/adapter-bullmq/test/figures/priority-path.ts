/**
 * What BullMQ's two ready structures cost the adapter: processing N no-op jobs at priority 0
 * (BullMQ's plain `wait` list, what bull-board calls "waiting") against the default priority 5
 * (its `prioritized` set), raw leases at concurrency 100, rounds alternating; jobs/s per round.
 *
 *   pnpm --filter @switchyard/core --filter @switchyard/adapter-bullmq build
 *   node packages/adapter-bullmq/test/figures/priority-path.ts [jobs=10000] [rounds=5]
 */
import { randomBytes } from 'node:crypto';
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { testJob } from '@switchyard/conformance';
import { silentLogger, systemClock } from '@switchyard/core';
import { REDIS_URL } from '@switchyard/test-services';
import { Redis } from 'ioredis';

const jobs = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 5);
const start = { logger: silentLogger, clock: systemClock, retention: {} };

/** Enqueues `jobs` at `priority`, then drains them; jobs/s of the drain. */
async function drain(priority: number): Promise<number> {
  const prefix = `syfig${randomBytes(3).toString('hex')}`;
  const adapter = bullmqAdapter({ connection: REDIS_URL, prefix });
  await adapter.start(start);
  for (let first = 0; first < jobs; first += 1000) {
    await adapter.enqueue(Array.from({ length: Math.min(1000, jobs - first) }, () => testJob({ priority })));
  }
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const began = performance.now();
  const consumer = adapter.consume(
    ['default'],
    { concurrency: 100, leaseDurationMs: 30_000 },
    async (lease) => {
      await lease.complete(null);
      if (++done === jobs) finished();
    },
  );
  await all;
  const rate = jobs / ((performance.now() - began) / 1000);
  await consumer.stop();
  await adapter.close();
  const raw = new Redis(REDIS_URL);
  const keys = await raw.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 1000) await raw.del(...keys.slice(i, i + 1000));
  raw.disconnect();
  return rate;
}

const rates: Record<string, number[]> = { 'priority 0 (wait)': [], 'priority 5 (prioritized)': [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [0, 5] : [5, 0];
  for (const priority of order) {
    rates[priority === 0 ? 'priority 0 (wait)' : 'priority 5 (prioritized)']?.push(await drain(priority));
  }
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
for (const [name, values] of Object.entries(rates)) {
  console.log(
    `${name}: median ${median(values).toFixed(0)} jobs/s (${values.map((v) => v.toFixed(0)).join(', ')})`,
  );
}
const ratio = median(rates['priority 0 (wait)'] ?? []) / median(rates['priority 5 (prioritized)'] ?? []);
console.log(`wait / prioritized: ${ratio.toFixed(2)}×`);
