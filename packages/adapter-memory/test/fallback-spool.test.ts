/**
 * The fallback spool over a real SQLite file, with the memory adapter behind a switch
 * that makes its enqueue fail the way a lost connection does (the outage tests on the
 * durable adapters cut a real TCP connection instead).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AdapterEnqueueOptions,
  createSwitchyard,
  defineTask,
  type NewJob,
  newJobId,
  type SpoolConflict,
  spool,
} from '@switchyard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MemoryAdapter, memoryAdapter } from '../src/index.js';

const task = defineTask({ name: 'ping', handler: () => 'pong' });

/** The memory adapter, with an outage switch on enqueue. */
function switchable(adapter: MemoryAdapter) {
  const state = { down: false, calls: 0, options: [] as Array<AdapterEnqueueOptions | undefined> };
  const wrapped: MemoryAdapter = Object.create(adapter, {
    enqueue: {
      value: async (jobs: NewJob[], options?: AdapterEnqueueOptions) => {
        state.calls++;
        state.options.push(options);
        if (state.down)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
        return adapter.enqueue(jobs);
      },
    },
  });
  return { adapter: wrapped, state };
}

describe('fallback spool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-spool-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('spools while the backend is down, keeps order, relays once it answers, without duplicates', async () => {
    const backend = memoryAdapter();
    const { adapter, state } = switchable(backend);
    const yard = createSwitchyard({
      adapter,
      tasks: [task],
      fallback: spool({ path: join(dir, 'spool.db') }),
    });
    await yard.start();
    const direct = await yard.enqueue(task, { n: 0 });
    expect(direct.spooled).toBeUndefined();
    state.down = true;
    const spooled = [];
    for (let n = 1; n <= 5; n++) spooled.push(await yard.enqueue(task, { n }));
    expect(spooled.every((result) => result.spooled === true)).toBe(true);
    // Only the first enqueue after the outage began asked the backend; the rest went straight to the spool.
    expect(state.calls).toBe(2);
    expect(await yard.spool.status()).toMatchObject({ enabled: true, depth: 5 });
    expect((await yard.jobs.list({})).jobs).toHaveLength(1);
    state.down = false;
    await waitFor(async () => (await yard.spool.status()).depth === 0);
    const listed = (await yard.jobs.list({})).jobs.map((job) => (job.payload as { n: number }).n);
    expect(listed).toEqual([5, 4, 3, 2, 1, 0]);
    // The direct attempts promised fresh ids; the relay does not (a failed attempt may have stored its jobs).
    expect(state.options.slice(0, 2)).toEqual([{ newIds: true }, { newIds: true }]);
    expect(state.options.slice(2).every((options) => options?.newIds === undefined)).toBe(true);
    expect(state.options.length).toBeGreaterThan(2);
    expect((await yard.jobs.get(spooled[2]!.id))?.state).toBe('pending');
    expect((await yard.enqueue(task, { n: 6 })).spooled).toBeUndefined();
    await yard.close();
  });

  it('a job already taken by the backend is not enqueued twice when the relay runs again', async () => {
    const path = join(dir, 'spool.db');
    const backend = memoryAdapter();
    const job = await (async () => {
      const store = spool({ path });
      await store.open();
      const id = newJobId();
      const yard = createSwitchyard({ adapter: backend, tasks: [task] });
      await yard.start();
      // The backend took the job, but the process died before the spool forgot it.
      await yard.enqueue(task, { n: 1 }, { id });
      const stored = (await yard.jobs.get(id))!;
      await store.put([{ ...stored, payload: { n: 1 } }], new Date());
      await store.close();
      return stored;
    })();
    const yard = createSwitchyard({ adapter: backend, tasks: [task], fallback: spool({ path }) });
    await yard.start();
    await waitFor(async () => (await yard.spool.status()).depth === 0);
    expect((await yard.jobs.list({})).jobs.map((listed) => listed.id)).toEqual([job.id]);
    await yard.close();
  });

  it('a unique-key clash found at relay time goes to onSpoolConflict', async () => {
    const backend = memoryAdapter();
    const { adapter, state } = switchable(backend);
    const conflicts: SpoolConflict[] = [];
    const counted: Array<[string, Record<string, string>]> = [];
    const yard = createSwitchyard({
      adapter,
      tasks: [task],
      fallback: spool({ path: join(dir, 'spool.db') }),
      onSpoolConflict: (conflict) => void conflicts.push(conflict),
      telemetry: {
        metrics: {
          increment: (name, labels) => void counted.push([name, { ...labels }]),
          observe() {},
          setWorkerGauge() {},
        },
      },
    });
    await yard.start();
    state.down = true;
    const spooled = await yard.enqueue(task, { n: 1 }, { uniqueKey: 'only-one' });
    expect(spooled.spooled).toBe(true);
    // Meanwhile another process enqueued a job with the same key straight into the backend.
    const other = createSwitchyard({ adapter: backend, tasks: [task] });
    await other.start();
    const winner = await other.enqueue(task, { n: 2 }, { uniqueKey: 'only-one' });
    state.down = false;
    await waitFor(async () => (await yard.spool.status()).depth === 0);
    expect(conflicts).toEqual([
      { job: expect.objectContaining({ id: spooled.id, uniqueKey: 'only-one' }), existingJobId: winner.id },
    ]);
    expect(counted.filter(([name]) => name === 'jobs_spool_conflicts_total')).toEqual([
      ['jobs_spool_conflicts_total', { queue: 'default', task: 'ping' }],
    ]);
    expect(await yard.jobs.get(spooled.id)).toBeNull();
    await other.close();
    await yard.close();
  });

  it('an enqueue with the same id again is idempotent', async () => {
    const yard = createSwitchyard({ adapter: memoryAdapter(), tasks: [task] });
    await yard.start();
    const id = newJobId();
    expect(await yard.enqueue(task, { n: 1 }, { id })).toEqual({ id });
    expect(await yard.enqueue(task, { n: 1 }, { id })).toEqual({ id });
    expect((await yard.jobs.list({})).jobs).toHaveLength(1);
    await expect(yard.enqueue(task, {}, { id: 'not-a-uuid' })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    });
    await yard.close();
  });
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
