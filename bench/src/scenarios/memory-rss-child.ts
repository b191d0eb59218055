/**
 * Child process: fills one contender with `jobs` queued jobs and prints its
 * resident memory as one JSON line. Run with `--expose-gc` so the heap is
 * collected before each reading.
 */
import { fastQueue } from '../peers/fastq.ts';
import { heapQueue } from '../peers/heap.ts';
import { pQueue } from '../peers/pqueue.ts';
import type { BenchPayload, QueueFactory } from '../peers/queue-under-test.ts';
import { switchyardMemory } from './memory-switchyard.ts';

const FACTORIES: Record<string, QueueFactory> = {
  switchyard: switchyardMemory,
  'p-queue': pQueue,
  fastq: fastQueue,
  heap: heapQueue,
};
const BATCH = 1000;
const MiB = 1024 * 1024;

function collect(): void {
  if (typeof globalThis.gc !== 'function') throw new Error('run the RSS child with node --expose-gc');
  globalThis.gc();
  globalThis.gc();
}

const [name = '', jobsArgument = ''] = process.argv.slice(2);
const factory = FACTORIES[name];
const jobs = Number(jobsArgument);
if (factory === undefined || !Number.isInteger(jobs) || jobs < 1) {
  throw new Error(`usage: memory-rss-child.ts <${Object.keys(FACTORIES).join('|')}> <jobs>`);
}

const queue = await factory({ concurrency: 1, handler: () => {} });
collect();
const baseline = process.memoryUsage();
for (let start = 0; start < jobs; start += BATCH) {
  const batch: BenchPayload[] = [];
  for (let i = start; i < Math.min(jobs, start + BATCH); i++) batch.push({ i });
  await queue.addBatch(batch, 5);
}
collect();
const filled = process.memoryUsage();
console.log(
  JSON.stringify({
    rssMiB: filled.rss / MiB,
    baselineRssMiB: baseline.rss / MiB,
    heapUsedMiB: filled.heapUsed / MiB,
    bytesPerJob: (filled.rss - baseline.rss) / jobs,
  }),
);
await queue.close();
