/**
 * The worker: takes leases from the adapter (at most `concurrency` at once),
 * runs each attempt, heartbeats every running lease from one shared loop, and
 * shuts down gracefully, handing unfinished leases back.
 */

import { ActiveAttempts } from './active-attempts.js';
import type { Lease } from './adapter.js';
import { ATTEMPT_FINISHED, type Consumer } from './adapter.js';
import type { SwitchyardEvents, Worker, WorkerOptions } from './api.js';
import { type ActiveAttempt, type AttemptHooks, runAttempt } from './attempt.js';
import { failJob } from './attempt-settlement.js';
import { callBackend } from './backend-call.js';
import type { TimerHandle } from './clock.js';
import { type Duration, parseDuration } from './duration.js';
import { CapabilityError, ClosedError, InvalidOptionsError, toError } from './errors.js';
import { EventHub } from './events.js';
import { newJobId } from './ids.js';
import { LazyJobLogger } from './lazy-job-logger.js';
import type { YardRuntime } from './runtime.js';
import { ScheduleRunner } from './scheduler.js';
import { type SettleRetryContext, settleDespiteOutage } from './settle-retry.js';
import { SettleWatchdog } from './settle-watchdog.js';
import type { ShutdownSignal } from './shutdown-signal.js';
import { assertValidName, type TaskDefinition, type TaskHandler } from './task.js';
import { noopMetrics } from './telemetry.js';
import { type Admission, ThrottleGate, throttleOf } from './throttle-gate.js';
import { WorkerPresence } from './worker-presence.js';

const DEFAULT_CONCURRENCY = 10;
const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;
/** How long a job waits when its throttle could not be checked (the backend did not answer). */
const ADMIT_RETRY_MS = 1_000;

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
  /** Push `worker_active_jobs` on every change: only for a recorder that cannot read it itself. */
  private readonly pushActiveGauge: boolean;
  private readonly hooks: AttemptHooks;
  private readonly settleRetry: SettleRetryContext;
  /** The worker's entry in the cluster's workers registry (specVersion 2 adapters). */
  private readonly presence?: WorkerPresence;
  /** Admits jobs of throttled tasks and queues (`capabilities.throttle`); absent when none applies. */
  private readonly gate?: ThrottleGate;
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
    this.pushActiveGauge = runtime.metrics !== noopMetrics && runtime.metrics.observeWorker === undefined;
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
    if (runtime.publisher) this.hub.tap(runtime.publisher.workerTap(this.id));
    const adapter = runtime.adapter;
    if (adapter.specVersion === 2) {
      const graceMs =
        options.deadAfter === undefined
          ? 3 * this.heartbeatEveryMs
          : parseDuration(options.deadAfter, 'deadAfter');
      if (graceMs <= this.heartbeatEveryMs) {
        throw new InvalidOptionsError(
          `deadAfter must be longer than one heartbeat (${this.heartbeatEveryMs} ms, a third of leaseDuration)`,
        );
      }
      this.presence = new WorkerPresence(
        adapter.workers,
        { id: this.id, queues: this.queues, concurrency: this.concurrency, adapter: adapter.name },
        runtime.clock,
        runtime.logger,
        graceMs,
        runtime.health,
      );
    }
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
      telemetryScope: { adapter: runtime.adapter.name, worker: this.id },
      health: runtime.health,
      // An in-process backend has no outage to ride: its outcomes are stored as they are.
      persist: adapter.capabilities.durable
        ? (first, again, renewedAt, logger) =>
            settleDespiteOutage(first, again, renewedAt, this.settleRetry, logger)
        : (first) => first,
    };
    const throttle = this.buildGate();
    // Every worker on a throttling adapter lets a handler's RateLimitedError defer its job;
    // only one serving a throttled task or queue passes its leases through the gate.
    if (throttle) this.hooks.throttle = throttle.gate;
    if (throttle?.admits) this.gate = throttle.gate;
    this.settleRetry = {
      adapter: adapter.name,
      health: runtime.health,
      clock: runtime.clock,
      leaseDurationMs: this.leaseDurationMs,
      watchdog: new SettleWatchdog(runtime.clock, SettleWatchdog.checkEveryMsFor(this.leaseDurationMs)),
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
    await this.presence?.start([]);
    const { metrics } = this.runtime;
    if (metrics.observeWorker) {
      metrics.observeWorker(this.gaugeLabels, () => ({
        worker_active_jobs: this.active.size,
        worker_concurrency: this.concurrency,
      }));
    } else {
      metrics.setWorkerGauge('worker_concurrency', this.concurrency, this.gaugeLabels);
    }
    this.consumer = this.runtime.adapter.consume(
      this.queues,
      { concurrency: this.concurrency, leaseDurationMs: this.leaseDurationMs },
      (lease) => {
        // A lease handed out: the backend answers (ends an outage, if one was in progress).
        if (this.runtime.health.down) this.runtime.health.succeeded();
        const run =
          this.gate?.applies(lease.job) && lease.malformed === undefined
            ? this.admitThenRun(lease, this.gate)
            : runAttempt(lease, this.hooks);
        // Finished before returning: nothing left to wait for on stop.
        if (run === ATTEMPT_FINISHED) return run;
        this.inFlight.add(run);
        // `finally`'s semantics with one promise where `finally` makes three (once per job).
        const forget = () => {
          this.inFlight.delete(run);
        };
        return run.then(forget, (error: unknown) => {
          forget();
          throw error;
        });
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

  stopOnSignals(options: { timeout?: Duration; signals?: ShutdownSignal[] } = {}): () => void {
    const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
    const onSignal = (signal: ShutdownSignal) => {
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
    await this.presence?.stop();
    // A stopped worker's gauges would otherwise show its last values forever.
    this.runtime.metrics.forgetWorker?.(this.gaugeLabels);
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
        this.heartbeat(attempt);
      }
      this.presence?.beat(this.runningJobIds());
      this.gate?.renew((error) => this.reportError(toError(error)));
      this.armHeartbeat();
    }, this.heartbeatEveryMs);
  }

  /**
   * Renews one lease, within `backendTimeout`. While the backend is unavailable the failure
   * counts towards the outage (logged once); the lease then lapses unless a later beat gets through.
   */
  private heartbeat(attempt: ActiveAttempt): void {
    const { runtime } = this;
    const sentAt = runtime.clock.now();
    // Only a beat sent during the outage says the backend is back (an older one may answer late).
    const duringOutage = runtime.health.down;
    callBackend(runtime.adapter.name, 'heartbeat', runtime.backendTimeoutMs, () =>
      attempt.lease.heartbeat(),
    ).then(
      () => {
        attempt.renewedAt = sentAt;
        if (duringOutage && runtime.health.down) runtime.health.succeeded();
      },
      (error: unknown) => {
        if (!runtime.health.failed(error, 'heartbeat')) this.reportError(toError(error));
      },
    );
  }

  /**
   * The throttle gate, when a task or queue this worker serves is throttled. Throws
   * `CapabilityError` when one is and the adapter cannot throttle.
   */
  private buildGate(): { gate: ThrottleGate; admits: boolean } | undefined {
    const { runtime } = this;
    const queues = new Set(this.queues);
    const throttled: string[] = [];
    for (const task of runtime.tasks.values()) {
      if (queues.has(task.queue) && throttleOf(task)) throttled.push(`task "${task.name}"`);
    }
    const queueLimits = new Map([...(runtime.queueRateLimits ?? [])].filter(([queue]) => queues.has(queue)));
    for (const queue of queueLimits.keys()) throttled.push(`queue "${queue}"`);
    const { adapter } = runtime;
    const capable = adapter.capabilities.throttle === true && adapter.throttle !== undefined;
    if (throttled.length === 0 && !capable) return undefined;
    if (!capable) {
      throw new CapabilityError(
        adapter.name,
        'throttle',
        `rateLimit and concurrencyKey need a backend that can throttle (${throttled.join(', ')})`,
      );
    }
    const gate = new ThrottleGate(
      adapter.throttle!,
      runtime.tasks,
      queueLimits,
      this.leaseDurationMs,
      () => runtime.clock.now(),
      runtime.random,
    );
    return { gate, admits: throttled.length > 0 };
  }

  /**
   * A throttled job: admitted (a slot and rate-window starts taken) before it runs, its slot
   * given back once the attempt ends; refused, it waits (deferred, attempt not consumed).
   */
  private async admitThenRun(lease: Lease, gate: ThrottleGate): Promise<void> {
    const { runtime } = this;
    let admission: Admission;
    try {
      admission = await callBackend(runtime.adapter.name, 'throttle', runtime.backendTimeoutMs, () =>
        gate.admit(lease),
      );
    } catch (error) {
      // Unknown whether it may start: it waits a moment and asks again.
      if (!runtime.health.failed(error, 'throttle')) this.reportError(toError(error));
      admission = { granted: false, retryAt: runtime.clock.now() + ADMIT_RETRY_MS };
    }
    if (!admission.granted) {
      if ('error' in admission) {
        const logger = new LazyJobLogger(runtime.logger, lease.job);
        const task = runtime.tasks.get(lease.job.task);
        await failJob(lease, admission.error, task, this.hooks, logger).catch((error: unknown) =>
          this.reportError(toError(error)),
        );
        return;
      }
      await gate.store.defer(lease, new Date(admission.retryAt)).catch((error: unknown) => {
        // The lease lapses and the job is handed out again.
        if (!runtime.health.failed(error, 'throttle')) this.reportError(toError(error));
      });
      return;
    }
    try {
      await runAttempt(lease, this.hooks);
    } finally {
      if (admission.slot) {
        await gate.release(admission.slot).catch((error: unknown) => {
          // The slot comes back when its lease-long expiry passes.
          if (!runtime.health.failed(error, 'throttle')) this.reportError(toError(error));
        });
      }
    }
  }

  private runningJobIds(): string[] {
    return this.active.snapshot().map((attempt) => attempt.lease.job.id);
  }

  private reportActive(): void {
    // Twice per job: skip the call when nobody records metrics or the recorder reads the gauge itself.
    if (!this.pushActiveGauge) return;
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
