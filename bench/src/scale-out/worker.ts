/**
 * A worker process of the scale-out section: `node worker.ts <backend spec> <concurrency>`.
 * Connects, prints `READY`, starts its worker when the parent writes `GO` on stdin, and prints
 * `RAN <id> <id> …` lines (batched every 50 ms) for the jobs its handler ran, so the parent can
 * count every run and find a job that ran twice.
 */
import { createSwitchyard } from '@switchyard/core';
import { adapterFromSpec } from '../operations/backends.ts';
import { scaleOutTask } from './task.ts';

const [spec, concurrencyArg] = process.argv.slice(2);
if (!spec) {
  process.stderr.write('usage: worker.ts <backend spec> <concurrency>\n');
  process.exit(2);
}
let ran: string[] = [];
const flush = () => {
  if (ran.length === 0) return;
  process.stdout.write(`RAN ${ran.join(' ')}\n`);
  ran = [];
};
setInterval(flush, 50);
const yard = createSwitchyard({
  adapter: adapterFromSpec(spec),
  tasks: [scaleOutTask],
  publishEvents: false,
  history: { record: false },
});
await yard.start();
const worker = yard.createWorker({ concurrency: Number(concurrencyArg ?? 50), scheduler: false });
worker.handle(scaleOutTask, (_payload, ctx) => {
  ran.push(ctx.job.id);
});
process.stdin.once('data', () => void worker.start());
process.once('SIGTERM', () => {
  flush();
  void worker
    .stop({ timeout: 2000 })
    .then(() => yard.close())
    .then(() => process.exit(0));
});
process.stdout.write('READY\n');
