// Child process: a worker on the backend of a conformance module and prefix, running `http.charge`.
// Usage: node worker.mjs <moduleUrl> <prefix>
import { createSwitchyard, defineTask } from '@switchyard/core';
import { z } from 'zod';

const [moduleUrl, prefix] = process.argv.slice(2);
const module = (await import(moduleUrl)).default;
const chargeTask = defineTask({
  name: 'http.charge',
  queue: 'billing',
  schema: z.object({ orderId: z.number().int() }).passthrough(),
  retry: { attempts: 1 },
  handler: async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { charged: true };
  },
});
const yard = createSwitchyard({ adapter: module.createAdapter({ prefix }), tasks: [chargeTask] });
await yard.start();
const worker = yard.createWorker({
  queues: ['billing'],
  concurrency: 1,
  leaseDuration: 2000,
  scheduler: false,
});
await worker.start();
process.stdout.write(`ready ${process.pid}\n`);
process.on('SIGTERM', async () => {
  await worker.stop({ timeout: 1000 });
  await yard.close();
  process.exit(0);
});
