/**
 * What core tells an adapter about the ids of an enqueue (`AdapterEnqueueOptions.newIds`):
 * set only when core generated every id of the call, so none can exist yet.
 */
import {
  type AdapterEnqueueOptions,
  createSwitchyard,
  defineTask,
  type NewJob,
  newJobId,
  step,
} from '@switchyard/core';
import { expect, it } from 'vitest';
import { type MemoryAdapter, memoryAdapter } from '../src/index.js';

const task = defineTask({ name: 'ping', handler: () => 'pong' });

/** The memory adapter, recording what each enqueue call is told. */
function recording() {
  const backend = memoryAdapter();
  const calls: Array<{ ids: string[]; options: AdapterEnqueueOptions | undefined }> = [];
  const adapter: MemoryAdapter = Object.create(backend, {
    enqueue: {
      value: (jobs: NewJob[], options?: AdapterEnqueueOptions) => {
        calls.push({ ids: jobs.map((job) => job.id), options });
        return backend.enqueue(jobs, options);
      },
    },
  });
  return { adapter, calls };
}

it('promises new ids for enqueue and enqueueMany with generated ids, and never for a caller id or a flow', async () => {
  const { adapter, calls } = recording();
  const yard = createSwitchyard({ adapter, tasks: [task] });
  await yard.start();
  const generated = await yard.enqueue(task, {});
  const chosen = newJobId();
  await yard.enqueue(task, {}, { id: chosen });
  const many = await yard.enqueueMany(task, [{}, {}]);
  // The caller's id again: told apart as the same job (idempotent), which needs the adapter's check.
  await yard.enqueue(task, {}, { id: chosen });
  await yard.flow(step(task, {}));
  expect(calls.slice(0, 4)).toEqual([
    { ids: [generated.id], options: { newIds: true } },
    { ids: [chosen], options: {} },
    { ids: many.map((job) => job.id), options: { newIds: true } },
    { ids: [chosen], options: {} },
  ]);
  expect(calls.slice(4).length).toBeGreaterThan(0);
  expect(calls.slice(4).every((call) => call.options?.newIds === undefined)).toBe(true);
  expect((await yard.jobs.get(chosen))?.state).toBe('pending');
  await yard.close();
});
