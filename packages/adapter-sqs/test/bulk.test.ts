/**
 * Bulk actions (`adapter.jobs.bulk`) on both job-state stores: each job changes only while
 * it is still in an allowed state, a job that changed between read and write is judged
 * again (never clobbered), retried jobs get doorbells, running jobs get a cancel request.
 */
import type { JobStateStore, SqsQueueAdapter } from '@switchyard/adapter-sqs';
import { createSwitchyard, defineTask, type JobState } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { toWrite } from '../src/records.js';
import { completed, manuallyRetried } from '../src/transitions.js';
import { STORE_KINDS, seed, seededRecord } from './ops-support.js';
import { LeaseInbox, newJob, newPrefix, startedAdaptersClosedAfterEach } from './support.js';

const LEASE = { concurrency: 10, leaseDurationMs: 5_000 };
const WAITING: JobState[] = ['scheduled', 'pending', 'retrying', 'running'];

/** A store whose first `getJobs` call lets `race` change the store right after the read. */
function racingStore(store: JobStateStore, race: (store: JobStateStore) => Promise<void>): JobStateStore {
  let raced = false;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'getJobs') {
        return async (ids: string[]) => {
          const read = await target.getJobs(ids);
          if (!raced) {
            raced = true;
            await race(target);
          }
          return read;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe.each(STORE_KINDS)('bulk actions on the %s store', (_kind, createStore) => {
  const adapterFor = startedAdaptersClosedAfterEach();

  async function setUp(wrap?: (store: JobStateStore) => JobStateStore) {
    const prefix = newPrefix();
    const store = await createStore(prefix);
    const adapter: SqsQueueAdapter = await adapterFor(prefix, { store: wrap ? wrap(store) : store });
    return { prefix, store, adapter };
  }

  it('retry: failed and cancelled jobs go back to pending with a fresh budget and their doorbells ring', async () => {
    const { store, adapter } = await setUp();
    const failed = [1, 2, 3].map(() =>
      seededRecord('failed', { attempt: 3, error: { name: 'E', message: 'no' } }),
    );
    const gaveUp = seededRecord('cancelled');
    const done = seededRecord('completed', { result: 'kept' });
    // Not ready (due in an hour): tickets are not job-specific under strict ordering, so a ready job
    // seeded without one would take one of the retried jobs' tickets.
    const waiting = seededRecord('scheduled', { runAt: new Date(Date.now() + 3_600_000) });
    await seed(store, [...failed, gaveUp, done, waiting]);
    const all = [...failed, gaveUp, done, waiting].map((record) => record.id);
    const outcome = await adapter.jobs.bulk(all, 'retry', ['failed', 'cancelled']);
    expect(outcome.requested).toEqual([]);
    expect([...outcome.changed].sort()).toEqual([...failed, gaveUp].map((record) => record.id).sort());
    for (const record of [...failed, gaveUp]) {
      expect(await adapter.jobs.get(record.id)).toMatchObject({ state: 'pending', attempt: 0 });
      expect((await adapter.jobs.get(record.id))!.error).toBeUndefined();
    }
    expect(await store.getJob(done.id)).toMatchObject({ version: 1, state: 'completed' });
    expect(await store.getJob(waiting.id)).toMatchObject({ version: 1, state: 'scheduled' });
    // The retried jobs run: their doorbells were sent.
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], LEASE, inbox.onLease);
    const leased = new Set<string>();
    for (let n = 0; n < 4; n++) {
      const lease = await inbox.next(10_000);
      leased.add(lease.job.id);
      await lease.complete('ok');
      inbox.finish(lease);
    }
    await consumer.stop();
    expect([...leased].sort()).toEqual([...outcome.changed].sort());
  });

  it('a job that left the allowed states between read and write is skipped, not clobbered', async () => {
    const target = seededRecord('pending');
    const other = seededRecord('pending');
    const { store, adapter } = await setUp((inner) =>
      racingStore(inner, async (raw) => {
        // Another process runs and completes the job after the bulk action read it.
        const current = (await raw.getJob(target.id))!;
        const done = completed({ ...target, state: 'running', attempt: 1 }, 'finished elsewhere', new Date());
        expect(await raw.updateJob(current.version, toWrite(done))).toBe(current.version + 1);
      }),
    );
    await seed(store, [target, other]);
    const outcome = await adapter.jobs.bulk([target.id, other.id], 'cancel', WAITING);
    expect(outcome).toEqual({ changed: [other.id], requested: [] });
    expect(await adapter.jobs.get(target.id)).toMatchObject({
      state: 'completed',
      result: 'finished elsewhere',
    });
    expect(await adapter.jobs.get(other.id)).toMatchObject({ state: 'cancelled' });
  });

  it('a job that changed but is still in scope is read again and acted on', async () => {
    const target = seededRecord('failed', { attempt: 2 });
    const { store, adapter } = await setUp((inner) =>
      racingStore(inner, async (raw) => {
        // An operator retried it and it failed again: a new version, still 'failed'.
        const current = (await raw.getJob(target.id))!;
        const again = {
          ...manuallyRetried(target, new Date()),
          state: 'failed' as const,
          finishedAt: new Date(),
        };
        expect(await raw.updateJob(current.version, toWrite(again))).not.toBeNull();
      }),
    );
    await seed(store, [target]);
    expect(await adapter.jobs.bulk([target.id], 'retry', ['failed'])).toEqual({
      changed: [target.id],
      requested: [],
    });
    expect(await store.getJob(target.id)).toMatchObject({ version: 3, state: 'pending' });
  });

  it('cancel: waiting jobs are cancelled, a running one gets a cancel request its lease sees', async () => {
    const { store, adapter } = await setUp();
    const job = newJob();
    await adapter.enqueue([job]);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], LEASE, inbox.onLease);
    const lease = await inbox.next(10_000);
    const waiting = seededRecord('pending', { queue: 'elsewhere' });
    const finished = seededRecord('failed');
    await seed(store, [waiting, finished]);
    const outcome = await adapter.jobs.bulk([job.id, waiting.id, finished.id], 'cancel', WAITING);
    expect(outcome).toEqual({ changed: [waiting.id], requested: [job.id] });
    expect(await adapter.jobs.bulk([job.id], 'cancel', WAITING)).toEqual({
      changed: [],
      requested: [job.id],
    });
    expect(await adapter.jobs.get(job.id)).toMatchObject({ state: 'running' });
    expect(await adapter.jobs.get(finished.id)).toMatchObject({ state: 'failed' });
    await lease.heartbeat();
    expect(lease.signal.aborted).toBe(true);
    await lease.cancelled();
    inbox.finish(lease);
    await consumer.stop();
    expect(await adapter.jobs.get(job.id)).toMatchObject({ state: 'cancelled' });
  });

  it('remove: deletes only jobs still in the allowed states, freeing their unique keys', async () => {
    const { store, adapter } = await setUp();
    const held = seededRecord('pending', { uniqueKey: 'only-one' });
    const finished = seededRecord('completed');
    await seed(store, [held, finished]);
    expect(await adapter.enqueue([newJob({ uniqueKey: 'only-one' })])).toEqual([
      expect.objectContaining({ status: 'duplicate', existingJobId: held.id }),
    ]);
    expect(await adapter.jobs.bulk([], 'remove', ['pending'])).toEqual({ changed: [], requested: [] });
    expect(await adapter.jobs.bulk([held.id], 'remove', [])).toEqual({ changed: [], requested: [] });
    const outcome = await adapter.jobs.bulk([held.id, finished.id, 'no-such-job'], 'remove', ['pending']);
    expect(outcome).toEqual({ changed: [held.id], requested: [] });
    expect(await store.getJob(held.id)).toBeNull();
    expect(await store.getJob(finished.id)).toMatchObject({ state: 'completed' });
    expect(await store.countJobs()).toMatchObject({ pending: 0, completed: 1 });
    expect(await adapter.enqueue([newJob({ uniqueKey: 'only-one' })])).toEqual([
      expect.objectContaining({ status: 'created' }),
    ]);
  });

  it('through a yard: a bulk retry pages through 1,200 failed jobs and every one runs again', async () => {
    const { store, adapter } = await setUp();
    const task = defineTask({ name: 'test-task', queue: 'work', handler: () => 'ran again' });
    const failed = Array.from({ length: 1_200 }, () => seededRecord('failed', { attempt: 3 }));
    await seed(store, [...failed, seededRecord('completed')]);
    const yard = createSwitchyard({ adapter, tasks: [task] });
    await yard.start();
    const pages: number[] = [];
    const progress = await yard.jobs.bulk({
      filter: { state: 'failed' },
      action: 'retry',
      batchSize: 500,
      onProgress: (step) => pages.push(step.matched),
    });
    expect(progress).toEqual({ matched: 1_200, changed: 1_200, requested: 0, skipped: 0 });
    expect(pages).toEqual([500, 1_000, 1_200]);
    expect(await yard.jobs.counts({ queue: 'work' })).toMatchObject({
      pending: 1_200,
      failed: 0,
      completed: 1,
    });
    const worker = yard.createWorker({ queues: ['work'], concurrency: 50 });
    await worker.start();
    const deadline = Date.now() + 30_000;
    while ((await yard.jobs.counts({ queue: 'work' })).completed < 1_201 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await yard.jobs.counts({ queue: 'work' })).completed).toBe(1_201);
    await yard.close();
  });
});
