/**
 * The contract between the suite and an adapter package: a small module that
 * builds adapters and offers backdoors into the backend. It is a module (not an
 * object) so the crash-recovery group can load it again inside a child process.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JobState, QueueAdapter } from '@switchyard/core';

/** What every module hook receives: the test's unique prefix and an adapter bound to it. */
export interface ConformanceContext {
  /** Unique per test, `sy` + lowercase letters/digits: use it as key prefix, schema or queue-name prefix. */
  prefix: string;
  /** An adapter created by `createAdapter({ prefix })` and started by a yard. */
  adapter: QueueAdapter;
}

/** The default export of an adapter's `test/conformance-adapter.ts`. */
export interface ConformanceAdapterModule {
  /**
   * A fresh adapter isolated by `prefix`. Called several times with the same prefix to model
   * several workers/processes on one backend; each returned adapter is started and closed by
   * one yard. In-process backends (memory) return the SAME instance for the same prefix, and
   * must then tolerate `start()`/`close()` being called once per yard.
   */
  createAdapter(context: { prefix: string }): QueueAdapter;
  /**
   * Backdoor: corrupt the stored job so it cannot be decoded (e.g. invalid JSON in its data),
   * bypassing the adapter under test. The suite checks the job then fails with a clear error.
   */
  corruptJob(context: ConformanceContext, jobId: string): Promise<void>;
  /** Backdoor read of the raw stored state of a job, or `null` when nothing is stored. */
  readRawState(context: ConformanceContext, jobId: string): Promise<JobState | null>;
  /** Optional: drop keys / schema / queues of `prefix`. Called only after a test passed. */
  cleanup?(context: { prefix: string }): Promise<void>;
  /**
   * Required when `capabilities.transactionalEnqueue` is true: open a transaction on the
   * backend, call `fn(tx)` (the suite enqueues with `{ tx }` inside it), then commit, or roll
   * back when `options.rollback` is true.
   */
  transaction?(
    context: ConformanceContext,
    fn: (tx: unknown) => Promise<void>,
    options: { rollback: boolean },
  ): Promise<void>;
}

/** Turns a file URL or an absolute path into an importable URL string. */
export function moduleUrl(adapterModule: string): string {
  if (adapterModule.startsWith('file:')) return adapterModule;
  if (isAbsolute(adapterModule)) return pathToFileURL(adapterModule).href;
  throw new TypeError(
    `adapterModule must be a file URL or an absolute path (e.g. new URL('./conformance-adapter.ts', import.meta.url).href); got "${adapterModule}"`,
  );
}

/** Imports the adapter module and checks its shape, naming what is missing. */
export async function loadAdapterModule(adapterModule: string): Promise<ConformanceAdapterModule> {
  const url = moduleUrl(adapterModule);
  const imported = (await import(url)) as { default?: unknown };
  const candidate = imported.default as Partial<ConformanceAdapterModule> | undefined;
  if (!candidate || typeof candidate !== 'object') {
    throw new TypeError(`${url} must have a default export implementing ConformanceAdapterModule`);
  }
  for (const member of ['createAdapter', 'corruptJob', 'readRawState'] as const) {
    if (typeof candidate[member] !== 'function') {
      throw new TypeError(`${url}: the default export is missing the function "${member}"`);
    }
  }
  return candidate as ConformanceAdapterModule;
}
