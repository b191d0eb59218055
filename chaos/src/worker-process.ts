/**
 * One worker process of a chaos run: `node worker-process.ts <backend> <prefix> <config JSON>`.
 * Prints one line per fact the harness counts (stdout to a pipe is synchronous on Linux, so
 * a line printed before a SIGKILL is not lost):
 *   READY                         the worker takes jobs
 *   RUN <jobId> <attempt> <ms>    a handler started; ms: when its lease began (epoch)
 *   END <jobId> <ms>              the job's completion was stored (job:completed)
 *   LOG <level> <outage|-> <msg>  a warn/error line, or an outage line of the yard's logger
 * A crash (uncaught exception, unhandled rejection) exits with 70; SIGTERM stops gracefully.
 */
import { createSwitchyard, type Logger } from '@switchyard/core';
import { BACKENDS, type BackendName } from './backends/index.ts';
import type { Route } from './backends/types.ts';
import { type ChaosResult, chaosTask } from './task.ts';

/** What the harness passes to a worker process. */
export interface WorkerConfig {
  concurrency: number;
  leaseMs: number;
  /** A handler sleeps a random time in [min, max] ms. */
  jobMs: [number, number];
  /** `host:port` of a service → where to connect instead (a proxy); absent = straight. */
  route: Record<string, { host: string; port: number }>;
}

const [backendName, prefix, json] = process.argv.slice(2);
if (!backendName || !prefix || !json || !(backendName in BACKENDS)) {
  process.stderr.write('usage: worker-process.ts <bullmq|pgboss|sqs> <prefix> <config JSON>\n');
  process.exit(2);
}
const config = JSON.parse(json) as WorkerConfig;
const print = (line: string) => process.stdout.write(`${line}\n`);
const crash = (what: string) => (error: unknown) => {
  process.stderr.write(`${what}: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(70);
};
process.on('uncaughtException', crash('uncaught exception'));
process.on('unhandledRejection', crash('unhandled rejection'));

const line = (level: string) => (obj: object, msg?: string) => {
  const outage = (obj as { outage?: string }).outage;
  if (level === 'warn' || level === 'error' || outage) {
    const err = (obj as { err?: { message?: string } }).err?.message;
    const call = (obj as { call?: string }).call;
    const text = `${msg ?? ''}${call ? ` [${call}]` : ''}${err ? ` (${err})` : ''}`;
    print(`LOG ${level} ${outage ?? '-'} ${text.replaceAll('\n', ' ')}`);
  }
};
const logger: Logger = { debug() {}, info: line('info'), warn: line('warn'), error: line('error') };

const route: Route = (service) => config.route[`${service.host}:${service.port}`] ?? service;
const yard = createSwitchyard({
  adapter: BACKENDS[backendName as BackendName].createAdapter(prefix, route),
  tasks: [chaosTask],
  logger,
  backendTimeout: '5s',
});
await yard.start();
const worker = yard.createWorker({
  queues: [chaosTask.queue],
  concurrency: config.concurrency,
  leaseDuration: config.leaseMs,
  scheduler: false,
});
const [min, max] = config.jobMs;
worker.handle(chaosTask, async (_payload, ctx): Promise<ChaosResult> => {
  // From when the backend handed the job out: a job fetched before a freeze is in flight from then.
  const now = Date.now();
  const leasedAt = Math.min(now, ctx.job.startedAt?.getTime() ?? now);
  print(`RUN ${ctx.job.id} ${ctx.attempt} ${leasedAt}`);
  await new Promise((resolve) => setTimeout(resolve, min + Math.random() * (max - min)));
  return { pid: process.pid, attempt: ctx.attempt };
});
worker.on('job:completed', ({ job }) => print(`END ${job.id} ${Date.now()}`));
process.once('SIGTERM', () => {
  void worker
    .stop({ timeout: 5000 })
    .then(() => yard.close())
    .then(() => process.exit(0), crash('stopping'));
});
await worker.start();
print('READY');
// Keep the process alive even if the adapter holds no open handle while idle.
setInterval(() => {}, 60_000);
