import { memoryAdapter } from '@switchyard/adapter-memory';
import type { QueueAdapter } from '@switchyard/core';
import type { ConformanceAdapterModule } from '../../src/index.js';
const adapters = new Map<string, any>();
const mod: ConformanceAdapterModule = {
  createAdapter({ prefix }) {
    let a = adapters.get(prefix);
    if (!a) {
      const inner = memoryAdapter();
      a = Object.create(inner) as QueueAdapter;
      // Mutation 1: priority ignored. Mutation 2: cancel of a pending job is a no-op.
      a.enqueue = (jobs: any[], o: any) => inner.enqueue(jobs.map((j) => ({ ...j, priority: 5 })), o);
      a.jobs = Object.create(inner.jobs);
      a.jobs.cancel = async (id: string) => ((await inner.jobs.get(id))?.state === 'running' ? inner.jobs.cancel(id) : 'cancelled');
      a.inner = inner;
      adapters.set(prefix, a);
    }
    return a;
  },
  async corruptJob({ prefix }, id) { adapters.get(prefix).inner.storage.row(id).payloadJson = '{'; },
  async readRawState({ prefix }, id) { return adapters.get(prefix).inner.storage.row(id)?.state ?? null; },
};
export default mod;
