/** `adapter.workers`: the live-workers registry, kept in the job-state store (shared by every process). */
import type { WorkerRegistry } from '@switchyard/core';
import type { AdapterRuntime } from './runtime.js';

/** Builds `adapter.workers`: one store call per put, remove or list. */
export function createWorkerRegistry(runtime: AdapterRuntime): WorkerRegistry {
  const { records } = runtime;
  const store = runtime.options.store;
  return {
    put: (id, data, expiresAt) =>
      records.call('register a worker', () => store.putWorker(id, data, expiresAt.getTime())),
    remove: (id) => records.call('deregister a worker', () => store.removeWorker(id)),
    list: (now) => records.call('list workers', () => store.listWorkers(now.getTime())),
  };
}
