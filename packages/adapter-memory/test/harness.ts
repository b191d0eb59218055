import { type MemoryAdapter, type MemoryAdapterOptions, memoryAdapter } from '@switchyard/adapter-memory';
import { testJob } from '@switchyard/conformance';
import { type Lease, ManualClock, type NewJob, silentLogger } from '@switchyard/core';

/** A started memory adapter on a manual clock. */
export interface Harness {
  clock: ManualClock;
  adapter: MemoryAdapter;
  /** A new job for `adapter.enqueue`, ready now unless `runAt` says otherwise. */
  job(overrides?: Partial<NewJob>): NewJob;
  /** Lets queued microtasks and one event-loop turn run (deliveries happen there). */
  flush(): Promise<void>;
}

/** Starts an adapter on a `ManualClock` (no real sleeps anywhere in these tests). */
export async function startHarness(
  options: { retention?: { completedMs?: number; failedMs?: number }; adapter?: MemoryAdapterOptions } = {},
): Promise<Harness> {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const adapter = memoryAdapter(options.adapter);
  await adapter.start({
    logger: silentLogger,
    clock,
    retention: options.retention ?? {},
    historyRetentionMs: 7 * 24 * 3600_000,
  });
  return {
    clock,
    adapter,
    job: (overrides = {}) => testJob({ task: 'task-a', ...overrides }, clock.now()),
    flush: () => clock.advance(0),
  };
}

/** A consumer whose `onLease` calls stay unsettled until the test settles the lease itself. */
export interface HeldConsumer {
  leases: Lease[];
  stop(): Promise<void>;
}

/** Consumes `queues`, recording every lease and never resolving `onLease` by itself. */
export function holdLeases(
  adapter: MemoryAdapter,
  queues: string[],
  options: { concurrency?: number; leaseDurationMs?: number } = {},
): HeldConsumer {
  const leases: Lease[] = [];
  const consumer = adapter.consume(
    queues,
    { concurrency: options.concurrency ?? 1, leaseDurationMs: options.leaseDurationMs ?? 30_000 },
    (lease) => {
      leases.push(lease);
      return new Promise<void>(() => {});
    },
  );
  return { leases, stop: () => consumer.stop() };
}
