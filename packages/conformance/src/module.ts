/**
 * The contract between the suite and an adapter package: a small module that
 * builds adapters and offers backdoors into the backend. It is a module (not an
 * object) so the crash-recovery group can load it again inside a child process.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JobState, QueueAdapter } from '@switchyard/core';
import type { OptionalHooks } from './capabilities.js';
import type { ServiceAddress } from './tcp-proxy.js';

/**
 * Puts a cuttable TCP proxy in front of a backend service and resolves with the address
 * the adapter must connect to instead (the outage group cuts and restores it).
 */
export type RouteThroughProxy = (service: ServiceAddress) => Promise<ServiceAddress>;

/** What every module hook receives: the test's unique prefix and an adapter bound to it. */
export interface ConformanceContext {
  /** Unique per test, `sy` + lowercase letters/digits: use it as key prefix, schema or queue-name prefix. */
  prefix: string;
  /** An adapter created by `createAdapter({ prefix })` and started by a yard. */
  adapter: QueueAdapter;
}

/**
 * How `corruptJob` damages a stored job, bypassing the adapter. Each is a record every
 * adapter must judge the same way: the job fails with `MALFORMED_JOB` naming the problem.
 * - `payload`: the stored payload (or the envelope holding it) cannot be decoded, e.g. truncated JSON.
 * - `priority`: the stored priority is outside 0..9 (e.g. 42).
 * - `metadata`: a stored metadata value is not a string (e.g. `{ tenant: 7 }`).
 * - `attempt`: the stored attempt counter is negative, and stays so when delivery counts the attempt (e.g. -5).
 */
export const CORRUPTION_KINDS = ['payload', 'priority', 'metadata', 'attempt'] as const;

/** One way of corrupting a stored job (see {@link CORRUPTION_KINDS}). */
export type CorruptionKind = (typeof CORRUPTION_KINDS)[number];

/** The suite's delivery slack when the module declares no `deliveryLatencyMs` (the former fixed slack). */
export const DEFAULT_DELIVERY_LATENCY_MS = 1500;

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
   * Backdoor: corrupt the stored job the way `how` says (default `'payload'`), bypassing the
   * adapter under test. The suite checks the job then fails with `MALFORMED_JOB` naming the
   * problem, and the worker goes on. Only kinds listed in `corruptionKinds` are asked for.
   */
  corruptJob(context: ConformanceContext, jobId: string, how?: CorruptionKind): Promise<void>;
  /**
   * The kinds `corruptJob` supports (default `['payload']`). The bad-input group checks each
   * one and reports every other kind as skipped, naming this field.
   */
  corruptionKinds?: readonly CorruptionKind[];
  /**
   * The adapter's expected delivery latency in ms (default 1500): how late a worker may start
   * a job that became due (a delay or retry backoff ended, a slot was freed) or see a cancel,
   * on an idle backend. Every upper time bound in the suite is the expected time plus this
   * (scaled by `timeScale`), so declare what you measured, with room for a loaded CI machine:
   * a push-based adapter that declares 50 ms is caught running 500 ms late.
   */
  deliveryLatencyMs?: number;
  /** Backdoor read of the raw stored state of a job, or `null` when nothing is stored. */
  readRawState(context: ConformanceContext, jobId: string): Promise<JobState | null>;
  /**
   * Optional; enables the `outage` group on a durable adapter. A fresh adapter on `prefix`,
   * like `createAdapter`, that reaches every backend service it uses (Redis, PostgreSQL, the
   * SQS endpoint, a state store) through `await route(service)` instead of the service itself.
   */
  createAdapterThrough?(context: { prefix: string }, route: RouteThroughProxy): Promise<QueueAdapter>;
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
  return checkAdapterModule(url, imported.default);
}

/** Checks the default export of the module at `url`, naming what is missing or wrong. */
export function checkAdapterModule(url: string, exported: unknown): ConformanceAdapterModule {
  const candidate = exported as Partial<ConformanceAdapterModule> | undefined;
  if (!candidate || typeof candidate !== 'object') {
    throw new TypeError(`${url} must have a default export implementing ConformanceAdapterModule`);
  }
  for (const member of ['createAdapter', 'corruptJob', 'readRawState'] as const) {
    if (typeof candidate[member] !== 'function') {
      throw new TypeError(`${url}: the default export is missing the function "${member}"`);
    }
  }
  const kinds = candidate.corruptionKinds;
  if (kinds !== undefined) {
    const unknown = Array.isArray(kinds)
      ? kinds.filter((kind) => !CORRUPTION_KINDS.includes(kind))
      : [kinds as unknown];
    if (unknown.length > 0 || kinds.length === 0) {
      throw new TypeError(
        `${url}: corruptionKinds must be a non-empty array of ${CORRUPTION_KINDS.map((kind) => `'${kind}'`).join(', ')}; got ${JSON.stringify(kinds)}`,
      );
    }
  }
  const latency = candidate.deliveryLatencyMs;
  if (latency !== undefined && !(typeof latency === 'number' && Number.isFinite(latency) && latency > 0)) {
    throw new TypeError(`${url}: deliveryLatencyMs must be a positive number of ms; got ${String(latency)}`);
  }
  for (const member of ['createAdapterThrough', 'cleanup', 'transaction'] as const) {
    if (candidate[member] !== undefined && typeof candidate[member] !== 'function') {
      throw new TypeError(`${url}: "${member}" of the default export must be a function when present`);
    }
  }
  return candidate as ConformanceAdapterModule;
}

/** The optional hooks `module` implements, for the capability gates. */
export function optionalHooksOf(module: ConformanceAdapterModule): OptionalHooks {
  return { createAdapterThrough: typeof module.createAdapterThrough === 'function' };
}
