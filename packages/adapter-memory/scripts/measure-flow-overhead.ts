/**
 * Flow overhead per step on the memory adapter: the same no-op task run as plain jobs and as
 * flow steps, one worker, median of 5 rounds each: the time from the enqueue (or `yard.flow`)
 * to the last job's `job:completed`, per job.
 * - plain batch: `enqueueMany(n)`, concurrency 10 — the baseline per job;
 * - group: `group(n steps)`, concurrency 10 — each member records its outcome and checks its siblings;
 * - plain sequence: each job's handler enqueues the next (what a chain replaces), concurrency 1;
 * - chain: `chain(n steps)`, concurrency 1 — each step records its outcome and enqueues the next.
 *
 *   pnpm --filter @switchyard/core --filter @switchyard/adapter-memory build
 *   node packages/adapter-memory/scripts/measure-flow-overhead.ts [steps]
 */
import { memoryAdapter } from '@switchyard/adapter-memory';
import { chain, createSwitchyard, defineTask, group, type Switchyard, step } from '@switchyard/core';

const STEPS = Number(process.argv[2] ?? 500);
const ROUNDS = 5;
const noop = defineTask({ name: 'noop', retry: { attempts: 1 } });
const next = defineTask({ name: 'next', retry: { attempts: 1 } });

async function timed(
  concurrency: number,
  run: (yard: Switchyard, done: Promise<void>, finish: () => void) => Promise<void>,
): Promise<number> {
  const yard = createSwitchyard({ adapter: memoryAdapter(), tasks: [noop, next] });
  await yard.start();
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = yard.createWorker({ concurrency, scheduler: false });
  let completed = 0;
  worker.handle(noop, () => 1);
  worker.handle(next, async (left: number) => {
    if (left > 1) await yard.enqueue(next, left - 1);
    return left;
  });
  worker.on('job:completed', () => {
    if (++completed === STEPS) finish();
  });
  await worker.start();
  const started = performance.now();
  await run(yard, done, finish);
  const elapsed = performance.now() - started;
  await yard.close();
  return (elapsed * 1000) / STEPS;
}

const shapes: Record<string, () => Promise<number>> = {
  'plain batch (concurrency 10)': () =>
    timed(10, async (yard, done) => {
      await yard.enqueueMany(
        noop,
        Array.from({ length: STEPS }, () => 0),
      );
      await done;
    }),
  'group (concurrency 10)': () =>
    timed(10, async (yard, done) => {
      await yard.flow(group(...Array.from({ length: STEPS }, () => step(noop, 0))));
      await done;
    }),
  'plain sequence (concurrency 1)': () =>
    timed(1, async (yard, done) => {
      await yard.enqueue(next, STEPS);
      await done;
    }),
  'chain (concurrency 1)': () =>
    timed(1, async (yard, done) => {
      await yard.flow(chain(step(noop, 0), ...Array.from({ length: STEPS - 1 }, () => step(noop))));
      await done;
    }),
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`${STEPS} steps per round, median of ${ROUNDS} rounds (µs per job or step)`);
for (const [name, measure] of Object.entries(shapes)) {
  await measure(); // warm-up
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push(await measure());
  console.log(`${name.padEnd(32)} ${median(rounds).toFixed(1).padStart(8)} µs`);
}
