/**
 * Per-test isolation: every test gets a unique prefix, builds its yards and workers
 * through a `TestScope`, and the scope closes all of them when the test ends. The
 * module's `cleanup` runs only when the test passed, so a failed test's data stays
 * in the backend for inspection.
 */
import { randomBytes } from 'node:crypto';
import {
  type AdapterCapabilities,
  createSwitchyard,
  type QueueAdapter,
  type Switchyard,
  type SwitchyardOptions,
  type TaskDefinition,
  type TaskHandler,
  type Worker,
  type WorkerOptions,
} from '@switchyard/core';
import { describe, it } from 'vitest';
import { type GateId, skipReason } from './capabilities.js';
import {
  type ConformanceAdapterModule,
  type ConformanceContext,
  type CorruptionKind,
  optionalHooksOf,
} from './module.js';
import { ALL_TASKS } from './tasks.js';
import { createGate, type Gate } from './wait.js';

/** What every group needs: the module, the adapter's declared capabilities and the time scale. */
export interface SuiteEnv {
  /** Name given to `runConformanceSuite` (shown in test titles). */
  name: string;
  /** The module's URL, for the child process of the crash test. */
  moduleUrl: string;
  module: ConformanceAdapterModule;
  /** Capabilities of an adapter built by the module (read once at registration). */
  capabilities: AdapterCapabilities;
  /** The adapter's contract version (1: job runtime; 2: plus the operations contract). */
  specVersion: number;
  /** Scales a duration in ms by `timeScale` (slow backends ask for more time). */
  ms(value: number): number;
  /**
   * The module's `deliveryLatencyMs` (or the default), scaled: what every upper time bound adds
   * to the time it expects, for a due job, a freed slot or a cancel to reach a worker.
   */
  deliverySlackMs: number;
  /** The kinds the module's `corruptJob` supports. */
  corruptionKinds: readonly CorruptionKind[];
}

/** A handler bound to its task, for `TestScope.worker`. */
export type HandlerBinding = [TaskDefinition, TaskHandler<any, any>];

/** Worker defaults: short leases and a fast schedule loop, so tests stay fast on real backends. */
export interface ScopedWorkerOptions extends WorkerOptions {
  /** Handlers registered with `worker.handle` before the worker starts. */
  handlers?: HandlerBinding[];
}

/** The workers' default lease, in ms before scaling: short, so lost leases come back quickly. */
const SUITE_LEASE_MS = 1000;

/** Unique per test; lowercase letters and digits only, so it is a valid key prefix, schema and queue name. */
export function newPrefix(): string {
  return `sy${randomBytes(5).toString('hex')}`;
}

/** Everything one test creates; `dispose` closes it all. */
export class TestScope {
  readonly prefix = newPrefix();
  private readonly yards: Switchyard[] = [];
  private readonly workers: Worker[] = [];
  private readonly gates: Gate[] = [];
  private readonly disposers: Array<() => Promise<void> | void> = [];
  private readonly finalizers: Array<() => Promise<void> | void> = [];
  /** `worker:error` events seen on any yard of this test, printed when the test fails. */
  readonly workerErrors: Error[] = [];

  constructor(readonly env: SuiteEnv) {}

  /** Scaled milliseconds (see `SuiteEnv.ms`). */
  ms(value: number): number {
    return this.env.ms(value);
  }

  /** The lease duration `worker()` gives workers unless told otherwise (scaled). */
  get leaseMs(): number {
    return this.ms(SUITE_LEASE_MS);
  }

  /** The adapter's scaled delivery slack (see `SuiteEnv.deliverySlackMs`). */
  get deliverySlackMs(): number {
    return this.env.deliverySlackMs;
  }

  /** A new adapter on this test's prefix (a second "process" on the same backend). */
  adapter(): QueueAdapter {
    return this.env.module.createAdapter({ prefix: this.prefix });
  }

  /**
   * A started yard on this test's prefix; a fresh adapter unless one is given. `options` adds
   * yard options (a logger, `backendTimeout`, a fallback spool).
   */
  async yard(
    options: {
      adapter?: QueueAdapter;
      tasks?: TaskDefinition[];
      options?: Omit<SwitchyardOptions, 'adapter' | 'tasks'>;
      maxPayloadBytes?: number;
    } = {},
  ): Promise<Switchyard> {
    const yard = createSwitchyard({
      ...options.options,
      adapter: options.adapter ?? this.adapter(),
      tasks: options.tasks ?? ALL_TASKS,
      ...(options.maxPayloadBytes !== undefined ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
    });
    this.yards.push(yard);
    yard.on('worker:error', ({ error }) => this.workerErrors.push(error));
    await yard.start();
    return yard;
  }

  /** A started worker with the suite's short defaults (lease 1 s, no scheduler unless asked). */
  async worker(yard: Switchyard, options: ScopedWorkerOptions = {}): Promise<Worker> {
    const { handlers = [], ...workerOptions } = options;
    const worker = yard.createWorker({
      concurrency: 1,
      leaseDuration: this.leaseMs,
      scheduler: false,
      schedulerInterval: this.ms(100),
      ...workerOptions,
    });
    for (const [task, handler] of handlers) worker.handle(task, handler);
    this.workers.push(worker);
    await worker.start();
    return worker;
  }

  /** The context passed to module backdoors, bound to `adapter` (default: the first yard's). */
  context(adapter?: QueueAdapter): ConformanceContext {
    const bound = adapter ?? this.yards[0]?.adapter;
    if (!bound) throw new Error('open a yard before using a backdoor: scope.yard()');
    return { prefix: this.prefix, adapter: bound };
  }

  /** A gate that is opened at the latest when the test ends, so no handler hangs past it. */
  gate(): Gate {
    const gate = createGate();
    this.gates.push(gate);
    return gate;
  }

  /** Runs `fn` when the test ends, before yards close. */
  onDispose(fn: () => Promise<void> | void): void {
    this.disposers.push(fn);
  }

  /** Runs `fn` when the test ends, after every yard closed (e.g. closing a proxy the yards used). */
  afterClose(fn: () => Promise<void> | void): void {
    this.finalizers.push(fn);
  }

  /** Stops workers, closes yards, then cleans the backend if the test passed. */
  async dispose(passed: boolean): Promise<void> {
    const failures: unknown[] = [];
    const attempt = async (fn: () => Promise<void> | void) => {
      try {
        await fn();
      } catch (error) {
        failures.push(error);
      }
    };
    for (const gate of this.gates) gate.open();
    for (const fn of this.disposers.reverse()) await attempt(fn);
    // Stop every worker before any adapter closes: with in-process backends yards share one adapter.
    await Promise.all(this.workers.map((worker) => attempt(() => worker.stop({ timeout: 0 }))));
    for (const yard of this.yards.reverse()) await attempt(() => yard.close());
    for (const fn of this.finalizers.reverse()) await attempt(fn);
    if (passed && this.env.module.cleanup)
      await attempt(() => this.env.module.cleanup!({ prefix: this.prefix }));
    if (failures.length > 0 && passed) {
      throw new AggregateError(failures, `closing the test's yards failed (prefix ${this.prefix})`);
    }
    for (const failure of failures)
      console.warn(`[conformance] teardown of ${this.prefix} after a failed test:`, failure);
  }
}

/** Default per-test timeout (scaled). */
const TEST_TIMEOUT_MS = 20_000;

/** Registers one test that gets its own `TestScope`, disposed when the test ends. */
export function scopedTest(
  env: SuiteEnv,
  title: string,
  body: (scope: TestScope) => Promise<void>,
  timeoutMs = TEST_TIMEOUT_MS,
): void {
  it(
    title,
    async () => {
      const scope = new TestScope(env);
      let passed = false;
      try {
        await body(scope);
        passed = true;
      } catch (error) {
        if (scope.workerErrors.length > 0) {
          console.warn(
            `[conformance] worker:error events during "${title}" (${scope.prefix}):`,
            scope.workerErrors,
          );
        }
        throw error;
      } finally {
        await scope.dispose(passed);
      }
    },
    env.ms(timeoutMs),
  );
}

/** Registers a capability-gated block: `describe`, or `describe.skip` named with the reason. */
export function gatedDescribe(env: SuiteEnv, id: GateId, title: string, body: () => void): void {
  const reason = skipReason(id, env.capabilities, env.specVersion, optionalHooksOf(env.module));
  if (reason === null) describe(title, body);
  else describe.skip(`${title} (skipped: ${reason})`, body);
}
