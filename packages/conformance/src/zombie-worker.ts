/**
 * Child process of the fencing group (built to dist/zombie-worker.js):
 * `node zombie-worker.js <adapterModuleUrl> <prefix> <leaseMs> raw|worker`.
 * It takes the `conformance.zombie` jobs and holds them; the parent freezes it with SIGSTOP
 * until the leases lapse and the jobs finish elsewhere, then wakes it with SIGCONT, and the
 * zombie tries to settle each job by its payload's `n`: 1 records progress and completes,
 * 2 fails, 3 retries, 4 records progress only.
 * - `raw`: leases straight from the adapter; prints `LEASED <id> <n>`, on SIGCONT makes the
 *   calls and prints `ACTED <id> <call> resolved|rejected <code>` for each, then `DONE`.
 * - `worker`: a core worker; prints `STARTED <id> <n>`, on SIGCONT each handler acts and
 *   prints `ACTED <id>`; on SIGTERM the worker stops (waiting for its settles), `STOPPED`.
 */
import { createSwitchyard, type Lease, NonRetryableError } from '@switchyard/core';
import { loadAdapterModule } from './module.js';
import { ALL_TASKS, zombieTask } from './tasks.js';

const [moduleUrl, prefix, leaseMs, mode] = process.argv.slice(2);
if (!moduleUrl || !prefix || !leaseMs || (mode !== 'raw' && mode !== 'worker')) {
  process.stderr.write('usage: zombie-worker.js <adapterModuleUrl> <prefix> <leaseMs> raw|worker\n');
  process.exit(2);
}

const print = (line: string) => process.stdout.write(`${line}\n`);
const woken = new Promise<void>((resolve) => process.once('SIGCONT', () => resolve()));
const adapterModule = await loadAdapterModule(moduleUrl);
const yard = createSwitchyard({ adapter: adapterModule.createAdapter({ prefix }), tasks: ALL_TASKS });
yard.on('worker:error', ({ error }) =>
  process.stderr.write(`worker:error ${error.stack ?? error.message}\n`),
);
await yard.start();

/** What a zombie does with job `n`, as lease calls. */
function callsFor(n: number, lease: Lease): Array<[string, () => Promise<void>]> {
  const error = { name: 'Error', message: 'zombie', code: 'HANDLER_ERROR' };
  switch (n) {
    case 1:
      return [
        ['progress', () => lease.progress({ zombie: true })],
        ['complete', () => lease.complete('zombie')],
      ];
    case 2:
      return [['fail', () => lease.fail(error)]];
    case 3:
      return [['retry', () => lease.retry(new Date(), error)]];
    default:
      return [
        ['heartbeat', () => lease.heartbeat()],
        ['progress', () => lease.progress({ zombie: true })],
      ];
  }
}

if (mode === 'raw') {
  const leases: Lease[] = [];
  yard.adapter.consume(
    [zombieTask.queue],
    { concurrency: 4, leaseDurationMs: Number(leaseMs) },
    async (lease) => {
      leases.push(lease);
      print(`LEASED ${lease.job.id} ${(lease.job.payload as { n: number }).n}`);
      await woken;
    },
  );
  await woken;
  for (const lease of leases) {
    for (const [call, run] of callsFor((lease.job.payload as { n: number }).n, lease)) {
      try {
        await run();
        print(`ACTED ${lease.job.id} ${call} resolved`);
      } catch (error) {
        print(`ACTED ${lease.job.id} ${call} rejected ${(error as { code?: string }).code ?? 'no-code'}`);
      }
    }
  }
  print('DONE');
} else {
  const worker = yard.createWorker({
    queues: [zombieTask.queue],
    concurrency: 4,
    leaseDuration: Number(leaseMs),
    scheduler: false,
  });
  worker.handle(zombieTask, async ({ n }, ctx) => {
    print(`STARTED ${ctx.job.id} ${n}`);
    await woken;
    print(`ACTED ${ctx.job.id}`);
    if (n === 1) {
      await ctx.progress({ zombie: true });
      return 'zombie';
    }
    if (n === 2) throw new NonRetryableError('zombie');
    if (n === 3) throw new Error('zombie');
    await ctx.progress({ zombie: true });
    await new Promise<never>(() => {});
  });
  process.once('SIGTERM', () => {
    void (async () => {
      await worker.stop({ timeout: 2000 });
      print('STOPPED');
      process.exit(0);
    })();
  });
  await worker.start();
}
print('READY');
// Keep the process alive even if the adapter holds no open handle while idle.
setInterval(() => {}, 60_000);
