/**
 * Child process of the crash-recovery group (built to dist/crash-worker.js):
 * `node crash-worker.js <adapterModuleUrl> <prefix> <leaseMs>`. It builds a yard from the
 * adapter module, takes `conformance.crash-me` jobs, prints `STARTED <jobId> <attempt>` when
 * one starts and then hangs until the parent kills it with SIGKILL.
 */
import { createSwitchyard } from '@switchyard/core';
import { loadAdapterModule } from './module.js';
import { ALL_TASKS, crashMeTask } from './tasks.js';

const [moduleUrl, prefix, leaseMs] = process.argv.slice(2);
if (!moduleUrl || !prefix || !leaseMs) {
  process.stderr.write('usage: crash-worker.js <adapterModuleUrl> <prefix> <leaseMs>\n');
  process.exit(2);
}

const adapterModule = await loadAdapterModule(moduleUrl);
const yard = createSwitchyard({ adapter: adapterModule.createAdapter({ prefix }), tasks: ALL_TASKS });
yard.on('worker:error', ({ error }) =>
  process.stderr.write(`worker:error ${error.stack ?? error.message}\n`),
);
await yard.start();
const worker = yard.createWorker({
  queues: [crashMeTask.queue],
  concurrency: 1,
  leaseDuration: Number(leaseMs),
  scheduler: false,
});
worker.handle(crashMeTask, async (_payload, ctx) => {
  process.stdout.write(`STARTED ${ctx.job.id} ${ctx.attempt}\n`);
  // Hang until SIGKILL: the lease must be lost with the process, not released.
  await new Promise<never>(() => {});
});
await worker.start();
process.stdout.write('READY\n');
// Keep the process alive even if the adapter holds no open handle while idle.
setInterval(() => {}, 60_000);
