/**
 * Child process of the history-cost scenario: `node cost-child.ts <backend spec> <jobs> <history on|off> <events on|off>`.
 * Enqueues <jobs> no-op jobs, prints `READY`, waits for `GO` on stdin, processes them at
 * concurrency 20 and prints one JSON line: the completion time of every job (epoch ms).
 */
import { createInterface } from 'node:readline';
import { createSwitchyard, defineTask } from '@switchyard/core';
import { adapterFromSpec } from './backends.ts';

const [spec, jobsArg, history, events] = process.argv.slice(2);
const jobs = Number(jobsArg);
if (
  !spec ||
  !Number.isInteger(jobs) ||
  jobs < 1 ||
  !['on', 'off'].includes(history!) ||
  !['on', 'off'].includes(events!)
) {
  process.stderr.write('usage: cost-child.ts <spec> <jobs> on|off on|off\n');
  process.exit(2);
}

const noop = defineTask({ name: 'ops-noop', queue: 'ops', handler: () => undefined });
const yard = createSwitchyard({
  adapter: adapterFromSpec(spec),
  tasks: [noop],
  history: { record: history === 'on' },
  publishEvents: events === 'on',
});
await yard.start();
for (let done = 0; done < jobs; done += 1000) {
  await yard.enqueueMany(
    noop,
    Array.from({ length: Math.min(1000, jobs - done) }, () => ({})),
  );
}
const finishedAt = new Float64Array(jobs);
let completed = 0;
let allDone: () => void = () => {};
const done = new Promise<void>((resolve) => {
  allDone = resolve;
});
yard.on('job:completed', () => {
  if (completed < jobs) finishedAt[completed] = performance.timeOrigin + performance.now();
  if (++completed === jobs) allDone();
});
const go = new Promise<void>((resolve) => {
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'GO') resolve();
  });
});
process.stdout.write('READY\n');
await go;
const worker = yard.createWorker({ queues: ['ops'], concurrency: 20 });
await worker.start();
await done;
await worker.stop();
await yard.close();
// Exit only once the pipe took the line: `process.exit` would cut a pending write to a pipe short.
process.stdout.write(`${JSON.stringify(Array.from(finishedAt, (at) => Math.round(at * 100) / 100))}\n`, () =>
  process.exit(0),
);
