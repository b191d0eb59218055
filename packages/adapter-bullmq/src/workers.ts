/**
 * The workers registry (`lua/workers.ts`): a sorted set of worker ids scored by expiry plus
 * a hash of entries, under the adapter's prefix. One script call per operation; expired
 * entries are deleted on every write and read.
 */
import type { WorkerRegistry } from '@switchyard/core';
import type { AdapterContext } from './context.js';
import { wrapErrors } from './errors.js';

/** Builds the workers registry. */
export function createWorkerRegistry(context: AdapterContext): WorkerRegistry {
  const { scripts, prefix } = context;
  return {
    put: (id, data, expiresAt) =>
      wrapErrors('workers.put', async () => {
        await scripts.call('syPutWorker', [prefix, id, data, expiresAt.getTime(), context.clock.now()]);
      }),
    remove: (id) =>
      wrapErrors('workers.remove', async () => {
        await scripts.call('syRemoveWorker', [prefix, id]);
      }),
    list: (now) =>
      wrapErrors(
        'workers.list',
        async () => (await scripts.call('syListWorkers', [prefix, now.getTime()])) as string[],
      ),
  };
}
