/**
 * The worker: takes leases from the adapter (at most `concurrency` at once),
 * runs each attempt, heartbeats every running lease from one shared loop, and
 * shuts down gracefully, handing unfinished leases back.
 */

import { ActiveAttempts } from './active-attempts.js';
import { ATTEMPT_FINISHED, type Consumer } from './adapter.js';
import type { SwitchyardEvents, Worker, WorkerOptions } from './api.js';
import { type AttemptHooks, runAttempt } from './attempt.js';
import type { TimerHandle } from './clock.js';
import { type Duration, parseDuration } from './duration.js';
import { ClosedError, InvalidOptionsError, toError } from './errors.js';
import { EventHub } from './events.js';
import { newJobId } from './ids.js';
import type { YardRuntime } from './runtime.js';
import { ScheduleRunner } from './scheduler.js';
import { assertValidName, type TaskDefinition, type TaskHandler } from './task.js';
import { noopMetrics } from './telemetry.js';

const DEFAULT_CONCURRENCY = 10;
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

export class SwitchyardWorker implements Worker {
  readonly concurrency: number;
  private readonly queues: string[];
  private readonly leaseDurationMs: number;
  private readonly handlers = new Map<string, TaskHandler<unknown, unknown>>();
  private readonly active = new ActiveAttempts();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly detached = new Set<Promise<void>>();
  private readonly settlements = new Set<Promise<void>>();
  private readonly hub: EventHub;
  private readonly scheduler?: ScheduleRunner;
  private readonly id = `worker-${newJobId().slice(-12)}`;
  private readonly gaugeLabels = { worker: this.id };
  private readonly hooks: AttemptHooks;
  private state: WorkerState = 'idle';
  private consumer?: Consumer;
  private heartbeatTimer?: TimerHandle;
  private stopPromise?: Promise<void>;

  constructor(
    private readonly runtime: YardRuntime,
    options: WorkerOptions & { queues: string[] },
    private readonly onStopped: () => void,
  ) {
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new InvalidOptionsError(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    if (options.queues.length === 0) throw new InvalidOptionsError('a worker needs at least one queue');
    for (const queue of options.queues) assertValidName(queue, 'queue name');
    this.queues = [...new Set(options.queues)];
    this.leaseDurationMs = parseDuration(options.leaseDuration ?? DEFAULT_LEASE_MS, 'leaseDuration');
    if (this.leaseDurationMs < 100) throw new InvalidOptionsError('leaseDuration must be at least 100ms');
    this.hub = new EventHub((error, event) =>
      runtime.logger.error({ err: error, event }, 'switchyard: an event listener threw'),
    );
    this.hub.forward(runtime.events);
    // The yard's runtime, but emitting on this worker's hub (which forwards to the yard's).
    const events = Object.create(runtime, { events: { value: this.hub } }) as YardRuntime;
    if ((options.scheduler ?? true) && !runtime.adapter.capabilities.nativeScheduler) {
      this.scheduler = new ScheduleRunner(
        events,
        parseDuration(options.schedulerInterval ?? '1s', 'schedulerInterval'),
      );
    }
    this.hooks = {
      runtime: events,
      handlerFor: (task) =>
        this.handlers.get(task) ?? (runtime.tasks.get(task)?.handler as TaskHandler<unknown, unknown>),
      track: (attempt) => {
        this.active.add(attempt);
        this.reportActive();
      },
      untrack: (attempt) => {
        this.active.delete(attempt);
        this.reportActive();
      },
      detach: (work) => holdUntilSettled(this.detached, work),
      reportError: (error) => this.reportError(error),
      watchIntervalMs: this.heartbeatEveryMs,
      settling: (work) => holdUntilSettled(this.settlements, work),
      settlementsInFlight: () => (this.settlements.size === 0 ? undefined : Promise.all(this.settlements)),
    };
  }

  get activeCount(): number {
    return this.active.size;
  }

  on<E extends keyof SwitchyardEvents>(
    event: E,
    listener: (payload: SwitchyardEvents[E]) => void,
  ): () => void {
    return this.hub.on(event, listener);
  }

  off<E extends keyof SwitchyardEvents>(event: E, listener: (payload: SwitchyardEvents[E]) => void): void {
    this.hub.off(event, listener);
  }

  handle<I, P, R>(task: TaskDefinition<I, P, R>, handler: TaskHandler<P, R>): this {
    if (typeof handler !== 'function')
      throw new InvalidOptionsError(`handler for "${task.name}" must be a function`);
    if (!this.runtime.tasks.has(task.name)) {
      throw new InvalidOptionsError(`task "${task.name}" is not registered with the yard (pass it in tasks)`);
    }
    this.handlers.set(task.name, handler as TaskHandler<unknown, unknown>);
    return this;
  }

  async start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') throw new ClosedError('worker');
    if (this.state === 'running') return;
    this.runtime.assertOpen();
    this.state = 'running';
    this.runtime.metrics.setWorkerGauge('worker_concurrency', this.concurrency, this.gaugeLabels);
    this.consumer = this.runtime.adapter.consume(
      this.queues,
      { concurrency: this.concurrency, leaseDurationMs: this.leaseDurationMs },
      (lease) => {
        const run = runAttempt(lease, this.hooks);
        // Finished before returning: nothing left to wait for on stop.
        if (run === ATTEMPT_FINISHED) return run;
        this.inFlight.add(run);
        return run.finally(() => this.inFlight.delete(run));
      },
    );
    this.armHeartbeat();
    this.scheduler?.start();
  }

  stop(options: { timeout?: Duration } = {}): Promise<void> {
    this.stopPromise ??= this.shutdown(
      options.timeout === undefined ? DEFAULT_STOP_TIMEOUT_MS : parseDuration(options.timeout, 'timeout'),
    );
    return this.stopPromise;
  }

  stopOnSignals(options: { timeout?: Duration; signals?: NodeJS.Signals[] } = {}): () => void {
    const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
    const onSignal = (signal: NodeJS.Signals) => {
      this.runtime.logger.info({ signal }, 'switchyard: stopping worker on signal');
      this.stop(options.timeout === undefined ? {} : { timeout: options.timeout }).catch((error) =>
        this.reportError(toError(error)),
      );
    };
    for (const signal of signals) process.once(signal, onSignal);
    return () => {
      for (const signal of signals) process.off(signal, onSignal);
    };
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      this.onStopped();
      return;
    }
    this.state = 'stopping';
    await this.scheduler?.stop();
    await this.consumer?.stop();
    await waitAll(this.inFlight, timeoutMs);
    // Past the timeout: abort what still runs and hand the leases back for another worker.
    for (const attempt of this.active.snapshot()) attempt.release();
    await Promise.all([...this.inFlight]);
    await waitAll(this.detached, timeoutMs);
    if (this.heartbeatTimer) this.runtime.clock.clearTimeout(this.heartbeatTimer);
    this.state = 'stopped';
    this.onStopped();
  }

  /** Heartbeats run every third of the lease, from one timer for all running leases. */
  private get heartbeatEveryMs(): number {
    return Math.max(50, Math.floor(this.leaseDurationMs / 3));
  }

  /** One timer heartbeats (and watches) every running lease, instead of timers per job. */
  private armHeartbeat(): void {
    this.heartbeatTimer = this.runtime.clock.setTimeout(() => {
      if (this.state === 'stopped') return;
      // A snapshot: watching may end an attempt (lost lease, timeout due), which untracks it.
      for (const attempt of this.active.snapshot()) {
        attempt.watch();
        attempt.lease.heartbeat().catch((error) => this.reportError(toError(error)));
      }
      this.armHeartbeat();
    }, this.heartbeatEveryMs);
  }

  private reportActive(): void {
    // Twice per job: skip the call entirely when nobody records metrics.
    if (this.runtime.metrics === noopMetrics) return;
    this.runtime.metrics.setWorkerGauge('worker_active_jobs', this.active.size, this.gaugeLabels);
  }

  private reportError(error: Error): void {
    this.runtime.logger.error({ err: error }, 'switchyard: worker error');
    this.hub.emit('worker:error', { error });
  }
}

/** Keeps `work` in `set` until it settles. */
function holdUntilSettled(set: Set<Promise<void>>, work: Promise<void>): void {
  set.add(work);
  void work.finally(() => set.delete(work));
}

/** Waits for every promise in the (changing) set, or until `timeoutMs` passes. */
async function waitAll(set: Set<Promise<void>>, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const drained = (async () => {
    while (set.size > 0) await Promise.all([...set]);
  })();
  await Promise.race([drained, timeout]);
  clearTimeout(timer);
}
