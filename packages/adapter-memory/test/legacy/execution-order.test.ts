import { memoryAdapter } from '@switchyard/adapter-memory';
import { createSwitchyard, defineTask } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTaskQueueManager, LegacyTaskStatus } from '../../src/legacy/index.js';
import { loadLegacyExample } from './legacy-example.js';
import { expectedExecutionOrder, recordingHandlers, runWorkload, WORKLOAD } from './workload.js';

// The facade warns on purpose; keep the test output readable.
process.removeAllListeners('warning');

describe('legacy TaskQueueManager → Switchyard memory adapter', () => {
  it('the legacy heap runs the workload in priority order, FIFO within a priority', async () => {
    const legacy = await loadLegacyExample();
    const executed: string[] = [];
    const manager = new legacy.TaskQueueManager({ concurrency: 1, handlers: recordingHandlers(executed) });
    await runWorkload(manager, legacy.TaskStatus);
    expect(executed).toEqual(expectedExecutionOrder());
  });

  it('the facade on the memory adapter yields the same execution order and the same observations', async () => {
    const legacy = await loadLegacyExample();
    const legacyExecuted: string[] = [];
    const before = await runWorkload(
      new legacy.TaskQueueManager({ concurrency: 1, handlers: recordingHandlers(legacyExecuted) }),
      legacy.TaskStatus,
    );

    const executed: string[] = [];
    const manager = createTaskQueueManager({
      adapter: memoryAdapter(),
      concurrency: 1,
      handlers: recordingHandlers(executed),
    });
    const after = await runWorkload(manager, LegacyTaskStatus);

    expect(executed).toEqual(legacyExecuted);
    expect(after).toEqual(before);
    expect(after.stats).toEqual({
      pending: 0,
      running: 0,
      completed: WORKLOAD.length - 2,
      failed: 1,
      cancelled: 1,
      total: WORKLOAD.length,
    });
    expect(after.failed).toEqual(['resize_image#4']);
    expect(after.tasks[3]).toMatchObject({ status: 'failed', error: 'image store unreachable' });
  });

  it('keeps legacy semantics where call sites depend on them', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const manager = createTaskQueueManager({
      adapter: memoryAdapter(),
      handlers: { slow: async () => gate.then(() => 'done') },
    });
    const id = await manager.addTask('slow', undefined);
    await manager.start();
    await expect.poll(async () => (await manager.getTask(id))?.status).toBe(LegacyTaskStatus.RUNNING);
    // The legacy queue could not cancel a running task; the facade does not abort it either.
    expect(await manager.cancelTask(id)).toBe(false);
    expect(await manager.cancelTask('no-such-id')).toBe(false);
    release();
    await manager.drain();
    expect(await manager.getTask(id)).toMatchObject({
      status: 'completed',
      result: 'done',
      data: null,
      attempts: 1,
    });
    expect(await manager.getTask('no-such-id')).toBeUndefined();
    await manager.stop();
  });

  it('a type registered late runs, and a type without handler fails like it did on the heap', async () => {
    const manager = createTaskQueueManager({ adapter: memoryAdapter() });
    const noHandler = await manager.addTask('orphan', { n: 1 });
    manager.registerHandler('late', async (data: { n: number }) => data.n + 1);
    const late = await manager.addTask('late', { n: 41 });
    await manager.start();
    await manager.drain();
    expect(await manager.getTask(late)).toMatchObject({ status: 'completed', result: 42 });
    const orphan = await manager.getTask(noHandler);
    expect(orphan?.status).toBe('failed');
    expect(orphan?.error).toMatch(/orphan/);
    await manager.stop();
  });

  it('shares a yard with migrated call sites, which the facade never closes', async () => {
    const invoice = defineTask({
      name: 'send-invoice',
      queue: 'legacy',
      schema: z.object({ n: z.number() }),
      handler: ({ n }) => ({ invoiced: n }),
    });
    const yard = createSwitchyard({ adapter: memoryAdapter(), tasks: [invoice] });
    const manager = createTaskQueueManager({ yard, handlers: { ping: async () => 'pong' } });
    const legacyId = await manager.addTask('ping', {});
    const { id: migratedId } = await yard.enqueue(invoice, { n: 7 }); // a call site already migrated
    await manager.start();
    await manager.drain();
    expect(await manager.getTask(legacyId)).toMatchObject({
      type: 'ping',
      status: 'completed',
      result: 'pong',
    });
    // The migrated job shares the queue but is not one of the facade's tasks.
    expect(await manager.getTask(migratedId)).toBeUndefined();
    expect((await yard.jobs.get(migratedId))?.result).toEqual({ invoiced: 7 });
    expect((await manager.stats()).completed).toBe(2);
    await manager.stop();
    expect((await yard.jobs.get(legacyId))?.state).toBe('completed'); // still open
    await yard.close();
  });
});
