/**
 * `pnpm --filter @switchyard/bench profile [--jobs 200000] [--concurrency 100]`
 *
 * Profiles Switchyard on the memory adapter with the V8 sampling profiler,
 * separately for the bulk-enqueue phase and the processing phase of the
 * throughput scenario, and prints the functions with the most self time in
 * each, so core and adapter owners know where the time goes. The raw
 * `.cpuprofile` files go to `bench/results/profiles/` (open them in Chrome
 * DevTools or speedscope).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import { parseArgs } from 'node:util';
import type { BenchPayload } from './peers/queue-under-test.ts';
import { type CpuProfile, type LocationResolver, topSelfTime } from './profile-summary.ts';
import { switchyardMemory } from './scenarios/memory-switchyard.ts';

const BATCH = 1000;

async function profiled<T>(
  session: Session,
  work: () => Promise<T>,
): Promise<{ result: T; profile: CpuProfile }> {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const result = await work();
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  return { result, profile };
}

/** Maps built `dist/*.js` positions back to `src/*.ts` through the `.js.map` files tsup writes. */
function sourceMapResolver(): LocationResolver {
  const maps = new Map<string, SourceMap | undefined>();
  return (url, line, column) => {
    if (!url.startsWith('file://') || !url.endsWith('.js')) return undefined;
    if (!maps.has(url)) {
      const file = new URL(`${url}.map`);
      maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined);
    }
    const entry = maps.get(url)?.findEntry(line, column);
    if (entry === undefined || !('originalSource' in entry)) return undefined;
    return { url: new URL(entry.originalSource, url).href, line: entry.originalLine };
  };
}

function report(title: string, seconds: number, jobs: number, profile: CpuProfile): void {
  console.log(`\n### ${title}: ${Math.round(jobs / seconds).toLocaleString('en-US')} jobs/s\n`);
  console.log('| self % | function | location |');
  console.log('|---:|---|---|');
  for (const spot of topSelfTime(profile, 25, sourceMapResolver())) {
    console.log(`| ${spot.selfPercent.toFixed(1)} | ${spot.functionName} | ${spot.location} |`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { jobs: { type: 'string', default: '200000' }, concurrency: { type: 'string', default: '100' } },
  });
  const jobs = Number(values.jobs);
  const concurrency = Number(values.concurrency);
  const session = new Session();
  session.connect();
  const queue = await switchyardMemory({ concurrency, handler: () => {} });
  const batches: BenchPayload[][] = [];
  for (let start = 0; start < jobs; start += BATCH) {
    batches.push(Array.from({ length: Math.min(BATCH, jobs - start) }, (_, k) => ({ i: start + k })));
  }

  let started = performance.now();
  const enqueue = await profiled(session, async () => {
    for (let b = 0; b < batches.length; b++) await queue.addBatch(batches[b]!, b % 10);
  });
  const enqueueSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const processing = await profiled(session, async () => {
    await queue.start();
    await queue.completedAtLeast(jobs);
  });
  const processSeconds = (performance.now() - started) / 1000;
  await queue.close();
  session.disconnect();

  const directory = new URL('../results/profiles/', import.meta.url);
  await mkdir(directory, { recursive: true });
  await writeFile(new URL('enqueue.cpuprofile', directory), JSON.stringify(enqueue.profile));
  await writeFile(new URL('process.cpuprofile', directory), JSON.stringify(processing.profile));
  console.log(
    `Switchyard memory adapter, ${jobs} no-op jobs, concurrency ${concurrency}, priorities rotating per batch`,
  );
  report('Bulk enqueue (enqueueMany, 1000 per call)', enqueueSeconds, jobs, enqueue.profile);
  report('Processing', processSeconds, jobs, processing.profile);
  console.log(`\nprofiles written to ${directory.pathname}`);
}

await main();
