/**
 * Child process of the flow groups (built to dist/flow-child.js):
 * `node flow-child.js <adapterModuleUrl> <prefix> <mode> <leaseMs> <concurrency>`.
 * Runs a worker on queue `flows` with `flowHandler`, printing `RAN <op> <jobId> <attempt>`
 * when a step starts and `READY` once live. Modes:
 * - `work`: just that;
 * - `stall-advance`: the first enqueue this process makes (a flow moving on) prints
 *   `STALLED <jobIds>` and never returns, so the parent can kill the process after a step
 *   recorded its outcome but before the next step exists;
 * - `stall-settle`: settling a job prints `STALLED <jobId>` and never returns (the next
 *   step exists, the settled step does not).
 */
import { createSwitchyard, type Lease, type QueueAdapter } from '@switchyard/core';
import { flowHandler } from './flow-handler.js';
import { loadAdapterModule } from './module.js';
import { ALL_TASKS, flowTask } from './tasks.js';

const [moduleUrl, prefix, mode, leaseMs, concurrency] = process.argv.slice(2);
if (!moduleUrl || !prefix || !['work', 'stall-advance', 'stall-settle'].includes(mode ?? '') || !leaseMs) {
  process.stderr.write(
    'usage: flow-child.js <adapterModuleUrl> <prefix> work|stall-advance|stall-settle <leaseMs> <concurrency>\n',
  );
  process.exit(2);
}

const forever = new Promise<never>(() => {});

/** Calls through to `target`, except the members `overrides` replaces. */
function overriding<T extends object>(target: T, overrides: Partial<Record<PropertyKey, unknown>>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property];
      const value = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

function stalledSettle(lease: Lease): Lease {
  const stall = async () => {
    process.stdout.write(`STALLED ${lease.job.id}\n`);
    return forever;
  };
  return overriding(lease, { complete: stall, fail: stall, cancelled: stall, completeNow: undefined });
}

const adapterModule = await loadAdapterModule(moduleUrl);
let adapter: QueueAdapter = adapterModule.createAdapter({ prefix });
if (mode === 'stall-advance') {
  adapter = overriding(adapter, {
    enqueue: async (jobs: { id: string }[]) => {
      process.stdout.write(`STALLED ${jobs.map((job) => job.id).join(',')}\n`);
      return forever;
    },
  });
} else if (mode === 'stall-settle') {
  const inner = adapter;
  adapter = overriding(adapter, {
    consume: (queues: string[], options: never, onLease: (lease: Lease) => Promise<void>) =>
      inner.consume(queues, options, (lease) => onLease(stalledSettle(lease))),
  });
}
const yard = createSwitchyard({ adapter, tasks: ALL_TASKS });
yard.on('worker:error', ({ error }) =>
  process.stderr.write(`worker:error ${error.stack ?? error.message}\n`),
);
await yard.start();
const worker = yard.createWorker({
  queues: [flowTask.queue],
  concurrency: Number(concurrency ?? 4),
  leaseDuration: Number(leaseMs),
  scheduler: false,
});
worker.handle(
  flowTask,
  flowHandler(yard, (op, ctx, phase) => {
    if (phase === 'start') process.stdout.write(`RAN ${op} ${ctx.job.id} ${ctx.attempt}\n`);
  }),
);
await worker.start();
process.stdout.write('READY\n');
// Keep the process alive even if the adapter holds no open handle while idle.
setInterval(() => {}, 60_000);
