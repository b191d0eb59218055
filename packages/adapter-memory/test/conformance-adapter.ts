/**
 * The memory adapter's module for the shared conformance suite. One in-process
 * store per prefix: every `createAdapter` call for a prefix returns the same
 * instance, which is how "several workers on one backend" looks in memory.
 */
import { type MemoryAdapter, memoryAdapter } from '@switchyard/adapter-memory';
import type { ConformanceAdapterModule } from '@switchyard/conformance';

const adapters = new Map<string, MemoryAdapter>();

function adapterFor(prefix: string): MemoryAdapter {
  const adapter = adapters.get(prefix);
  if (!adapter) throw new Error(`no memory adapter was created for prefix ${prefix}`);
  return adapter;
}

const mod: ConformanceAdapterModule = {
  createAdapter({ prefix }) {
    let adapter = adapters.get(prefix);
    if (!adapter) {
      adapter = memoryAdapter();
      adapters.set(prefix, adapter);
    }
    return adapter;
  },

  async corruptJob({ prefix }, jobId) {
    const row = adapterFor(prefix).storage.row(jobId);
    if (!row) throw new Error(`corruptJob: job ${jobId} is not stored under prefix ${prefix}`);
    // The stored payload is JSON text; truncated text is what a corrupt row looks like.
    row.payloadJson = '{"truncated": ';
  },

  async readRawState({ prefix }, jobId) {
    return adapterFor(prefix).storage.row(jobId)?.state ?? null;
  },

  async cleanup({ prefix }) {
    adapters.delete(prefix);
  },
};

export default mod;
