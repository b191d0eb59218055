/**
 * Child process of the operations groups (built to dist/ops-child.js):
 * `node ops-child.js <adapterModuleUrl> <prefix> <mode> <leaseMs>`.
 * - `listen`: subscribes to cluster events and prints each as one JSON line (`EVENT {...}`).
 * - `work`: runs a worker on queue `ops` with `opsHandler`.
 * Both print `READY` once live, then run until killed.
 */
import { createSwitchyard } from '@switchyard/core';
import { loadAdapterModule } from './module.js';
import { opsHandler } from './ops-handler.js';
import { ALL_TASKS, opsTask } from './tasks.js';

const [moduleUrl, prefix, mode, leaseMs] = process.argv.slice(2);
if (!moduleUrl || !prefix || (mode !== 'listen' && mode !== 'work') || !leaseMs) {
  process.stderr.write('usage: ops-child.js <adapterModuleUrl> <prefix> listen|work <leaseMs>\n');
  process.exit(2);
}

const adapterModule = await loadAdapterModule(moduleUrl);
const yard = createSwitchyard({ adapter: adapterModule.createAdapter({ prefix }), tasks: ALL_TASKS });
yard.on('worker:error', ({ error }) =>
  process.stderr.write(`worker:error ${error.stack ?? error.message}\n`),
);
await yard.start();
if (mode === 'listen') {
  await yard.subscribe((event) => process.stdout.write(`EVENT ${JSON.stringify(event)}\n`));
} else {
  const worker = yard.createWorker({
    queues: [opsTask.queue],
    concurrency: 4,
    leaseDuration: Number(leaseMs),
    scheduler: false,
  });
  worker.handle(opsTask, opsHandler);
  await worker.start();
}
process.stdout.write('READY\n');
// Keep the process alive even if the adapter holds no open handle while idle.
setInterval(() => {}, 60_000);
