/**
 * Child process of the operations section: `node child.ts <mode> <backend spec> [jobs]`.
 * - `listen`: subscribes to cluster events, prints `READY`, then `E <jobId> <type> <epoch ms>` per event.
 * - `bulk-rss`: makes <jobs> failed jobs, then bulk-retries them while a worker runs, and
 *   prints one JSON line with the peak resident memory growth during the bulk retry.
 */
import { createSwitchyard, defineTask } from '@switchyard/core';
import { adapterFromSpec } from './backends.ts';

const [mode, spec, jobsArg] = process.argv.slice(2);
if (!spec || (mode !== 'listen' && mode !== 'bulk-rss')) {
  process.stderr.write('usage: child.ts listen|bulk-rss <spec> [jobs]\n');
  process.exit(2);
}
const now = () => performance.timeOrigin + performance.now();
const mib = (bytes: number) => bytes / 1024 / 1024;

if (mode === 'listen') {
  const yard = createSwitchyard({ adapter: adapterFromSpec(spec), history: { record: false } });
  await yard.start();
  await yard.subscribe((event) => {
    if (event.type !== 'gap') process.stdout.write(`E ${event.jobId} ${event.type} ${now().toFixed(3)}\n`);
  });
  process.stdout.write('READY\n');
  setInterval(() => {}, 60_000);
} else {
  const jobs = Number(jobsArg ?? 20_000);
  let failFirst = true;
  const task = defineTask({
    name: 'bulk-rss',
    queue: 'bulk-rss',
    retry: { attempts: 1 },
    handler: () => {
      if (failFirst) throw new Error('first run fails');
    },
  });
  const yard = createSwitchyard({ adapter: adapterFromSpec(spec), tasks: [task] });
  await yard.start();
  for (let done = 0; done < jobs; done += 1000) {
    await yard.enqueueMany(
      task,
      Array.from({ length: Math.min(1000, jobs - done) }, (_, n) => ({ n: done + n })),
    );
  }
  const worker = yard.createWorker({ queues: ['bulk-rss'], concurrency: 50 });
  await worker.start();
  while ((await yard.jobs.counts({ queue: 'bulk-rss' })).failed < jobs)
    await new Promise((r) => setTimeout(r, 100));
  failFirst = false;
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = now();
  const result = await yard.jobs.bulk({ filter: { state: 'failed', queue: 'bulk-rss' }, action: 'retry' });
  const bulkSeconds = (now() - started) / 1000;
  while ((await yard.jobs.counts({ queue: 'bulk-rss' })).completed < jobs)
    await new Promise((r) => setTimeout(r, 100));
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await yard.close();
  process.stdout.write(
    `${JSON.stringify({ retried: result.changed, bulkSeconds, rssBeforeMiB: mib(before), peakGrowthMiB: mib(peak - before) })}\n`,
  );
  process.exit(0);
}
