/**
 * The memory adapter's module for the shared conformance suite. One in-process
 * store per prefix: every `createAdapter` call for a prefix returns the same
 * instance, which is how "several workers on one backend" looks in memory.
 */
import { type MemoryAdapter, type MemoryJobRow, memoryAdapter } from '@switchyard/adapter-memory';
import type { ConformanceAdapterModule, CorruptionKind } from '@switchyard/conformance';

const adapters = new Map<string, MemoryAdapter>();

function adapterFor(prefix: string): MemoryAdapter {
  const adapter = adapters.get(prefix);
  if (!adapter) throw new Error(`no memory adapter was created for prefix ${prefix}`);
  return adapter;
}

/**
 * Memory has no codec: each corruption writes a row field by hand, as a bad write to a
 * database would leave it (the fields are read-only only to the adapter's own code).
 */
const CORRUPTIONS: Record<CorruptionKind, (row: MemoryJobRow) => void> = {
  // The stored payload is JSON text; truncated text is what a corrupt row looks like.
  payload: (row) => {
    row.payloadJson = '{"truncated": ';
  },
  priority: (row) => {
    (row as { priority: number }).priority = 42;
  },
  metadata: (row) => {
    (row as { metadata: unknown }).metadata = { tenant: 7 };
  },
  // Delivery counts the attempt (+1): still negative when the job is leased.
  attempt: (row) => {
    row.attempt = -5;
  },
};

const mod: ConformanceAdapterModule = {
  createAdapter({ prefix }) {
    let adapter = adapters.get(prefix);
    if (!adapter) {
      adapter = memoryAdapter();
      adapters.set(prefix, adapter);
    }
    return adapter;
  },

  corruptionKinds: ['payload', 'priority', 'metadata', 'attempt'],
  // In-process timers: a due job, retry, freed slot or release lands ≤ 14 ms late (measured: max
  // over 3 runs of the timing groups); 150 ms leaves room for a loaded CI machine.
  deliveryLatencyMs: 150,

  async corruptJob({ prefix }, jobId, how = 'payload') {
    const row = adapterFor(prefix).storage.row(jobId);
    if (!row) throw new Error(`corruptJob: job ${jobId} is not stored under prefix ${prefix}`);
    CORRUPTIONS[how](row);
  },

  async readRawState({ prefix }, jobId) {
    return adapterFor(prefix).storage.row(jobId)?.state ?? null;
  },

  async cleanup({ prefix }) {
    adapters.delete(prefix);
  },
};

export default mod;
