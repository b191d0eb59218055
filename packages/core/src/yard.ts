/**
 * `createSwitchyard`: the producer side (enqueue, queries, queues, schedules)
 * and the factory of workers. One yard per process, bound to one adapter.
 */
import type { AdapterEnqueueOptions, ListJobsQueryV1, QueueAdapter } from './adapter.js';
import type {
  EnqueueOptions,
  Switchyard,
  SwitchyardEvents,
  SwitchyardOptions,
  Worker,
  WorkerOptions,
  YardJobs,
  YardQueues,
  YardSchedules,
  YardStats,
  YardWorkers,
} from './api.js';
import { callBackend } from './backend-call.js';
import { BackendHealth } from './backend-health.js';
import { planBulk, planClean } from './bulk.js';
import { type Clock, systemClock } from './clock.js';
import { parseDuration, parseOptionalDuration } from './duration.js';
import {
  CapabilityError,
  ClosedError,
  DuplicateJobError,
  InvalidOptionsError,
  NotStartedError,
  SwitchyardError,
  UnknownTaskError,
} from './errors.js';
import type { ClusterEventListener, SubscribeOptions } from './event-subscriptions.js';
import { EventHub } from './events.js';
import { Fallback, type SpoolStatus } from './fallback.js';
import { FlowAdvancer } from './flow-advance.js';
import { FlowApi, type YardFlows } from './flow-api.js';
import type { FlowNode, FlowOptions } from './flow-definition.js';
import { FlowSteps } from './flow-runtime.js';
import { teeMetrics } from './history.js';
import { newJobId, scheduleTickJobId } from './ids.js';
import type { CancelOutcome, JobRecord, NewJob, NormalizedListQuery, ScheduleRecord } from './job.js';
import {
  buildJob,
  buildJobFromValidPayload,
  type JobBuildContext,
  jobFromTemplate,
  prepareJobTemplate,
  recordOfNewJob,
} from './job-builder.js';
import { normalizeListQuery } from './job-filter.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './json.js';
import { type Logger, silentLogger } from './logger.js';
import type { YardRuntime } from './runtime.js';
import { keepStoredProgress, scheduleRecordOf } from './schedule-definition.js';
import type { SpoolConflict } from './spool-relay.js';
import { assertValidName, type TaskDefinition } from './task.js';
import { TaskRegistry } from './task-catalog.js';
import { guardTelemetry, noopMetrics, type TelemetryScope } from './telemetry.js';
import { parseQueueRateLimits } from './throttle.js';
import { validateMaybeSync } from './validation.js';
import { waitForJob } from './wait-for.js';
import { SwitchyardWorker } from './worker.js';
import { YardOperations } from './yard-operations.js';

const DEFAULT_HISTORY_RETENTION = '7d';
const DEFAULT_HISTORY_FLUSH = '1s';
const DEFAULT_BACKEND_TIMEOUT = '10s';
/** The least time `start()` gets (connecting, migrating a schema), whatever `backendTimeout` is. */
const START_TIMEOUT_MS = 30_000;
/** The least time the adapter's `close()` gets (writes in flight, connections ending), whatever `backendTimeout` is. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Creates a yard. Call `start()` before using it and `close()` when done. */
export function createSwitchyard(options: SwitchyardOptions): Switchyard {
  return new Yard(options);
}

type Lifecycle = 'new' | 'starting' | 'started' | 'closed';

class Yard implements Switchyard {
  readonly adapter: QueueAdapter;
  readonly jobs: YardJobs;
  readonly queues: YardQueues;
  readonly schedules: YardSchedules;
  readonly workers: YardWorkers;
  readonly stats: YardStats;
  readonly flows: YardFlows;
  private readonly flowApi: FlowApi;
  private readonly flowSteps: FlowSteps;
  private readonly registry = new TaskRegistry();
  private readonly operations: YardOperations;
  readonly logger: Logger;
  private readonly clock: Clock;
  private readonly hub: EventHub;
  private readonly runtime: YardRuntime;
  private readonly telemetryScope: TelemetryScope;
  private readonly workerSet = new Set<SwitchyardWorker>();
  /** Jobs whose enqueue in this process has not announced `job:enqueued` yet. */
  private readonly enqueuesInFlight = new Map<string, Promise<void>>();
  private readonly maxPayloadBytes: number;
  private readonly retention: { completedMs?: number; failedMs?: number };
  private readonly historyRetentionMs: number;
  private readonly backendTimeoutMs: number;
  private readonly health: BackendHealth;
  private readonly fallback?: Fallback;
  readonly spool: { status(): Promise<SpoolStatus> };
  private lifecycle: Lifecycle = 'new';
  private startPromise?: Promise<void>;

  constructor(options: SwitchyardOptions) {
    const specVersion = options?.adapter?.specVersion as number | undefined;
    if (specVersion !== 1 && specVersion !== 2) {
      throw new InvalidOptionsError(
        `createSwitchyard needs an adapter implementing specVersion 1 or 2, got ${String(specVersion)}`,
      );
    }
    this.adapter = options.adapter;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.retention = {
      completedMs: parseOptionalDuration(options.retention?.completed, 'retention.completed'),
      failedMs: parseOptionalDuration(options.retention?.failed, 'retention.failed'),
    };
    this.backendTimeoutMs = parseDuration(
      options.backendTimeout ?? DEFAULT_BACKEND_TIMEOUT,
      'backendTimeout',
    );
    if (this.backendTimeoutMs < 1) throw new InvalidOptionsError('backendTimeout must be at least 1 ms');
    this.health = new BackendHealth(this.adapter.name, this.logger, this.clock);
    this.historyRetentionMs = parseDuration(
      options.history?.retention ?? DEFAULT_HISTORY_RETENTION,
      'history.retention',
    );
    for (const task of options.tasks ?? []) this.register(task);
    const queueRateLimits = parseQueueRateLimits(options.queueRateLimits);
    this.hub = new EventHub((error, event) =>
      this.logger.error({ err: error, event }, 'switchyard: an event listener threw'),
    );
    this.operations = new YardOperations({
      adapter: this.adapter,
      clock: this.clock,
      logger: this.logger,
      publishEvents: options.publishEvents ?? true,
      recordHistory: options.history?.record ?? true,
      health: this.health,
      historyFlushMs: parseDuration(
        options.history?.flushInterval ?? DEFAULT_HISTORY_FLUSH,
        'history.flushInterval',
      ),
      call: (what, call) => this.open(what, call),
    });
    this.telemetryScope = { adapter: this.adapter.name };
    const telemetry = guardTelemetry(options.telemetry, this.logger);
    const history = this.operations.history;
    const advancer = new FlowAdvancer({
      adapter: this.adapter,
      call: (what, call) => this.adapterCall(what, call),
      store: (jobs) => this.storeSkippingDuplicates(jobs),
      cancel: (id) => this.cancelJob(id, false),
      payloadLimit: Math.min(this.maxPayloadBytes, this.adapter.capabilities.maxPayloadBytes),
      clock: this.clock,
      logger: this.logger,
    });
    this.flowSteps = new FlowSteps(
      advancer,
      (id) => this.adapterCall('jobs.get', () => this.adapter.jobs.get(id)),
      this.logger,
    );
    this.runtime = {
      adapter: this.adapter,
      tasks: this.registry,
      logger: this.logger,
      clock: this.clock,
      random: options.random ?? Math.random,
      metrics: history ? teeMetrics(telemetry.metrics, history) : telemetry.metrics,
      tracer: telemetry.tracer,
      events: this.hub,
      ...(this.operations.publisher ? { publisher: this.operations.publisher } : {}),
      enqueueScheduleTick: (schedule, tick) => this.enqueueScheduleTick(schedule, tick),
      enqueueSettled: (jobId) =>
        this.enqueuesInFlight.size === 0 ? undefined : this.enqueuesInFlight.get(jobId),
      assertOpen: () => this.assertOpen(),
      flows: this.flowSteps,
      health: this.health,
      ...(queueRateLimits.size > 0 ? { queueRateLimits } : {}),
      backendTimeoutMs: this.backendTimeoutMs,
    };
    this.jobs = this.createJobs();
    this.queues = this.createQueues();
    this.schedules = this.createSchedules();
    this.workers = this.operations.workers;
    this.stats = this.operations.stats;
    this.flowApi = new FlowApi({
      adapter: this.adapter,
      advancer,
      events: this.hub,
      assertOpen: () => this.assertOpen(),
      open: (what, call) => this.open(what, call),
      resolveTask: (task) => this.resolveTask(task),
      buildContext: () => this.buildContext(),
      store: (jobs, tx) => this.store(jobs, enqueueOptions(tx, false)),
      cancelJob: (id) => this.cancelJob(id, false),
    });
    this.flows = this.flowApi;
    if (options.fallback) {
      const hook = options.onSpoolConflict;
      const onConflict = (conflict: SpoolConflict) => {
        const { queue, task } = conflict.job;
        this.runtime.metrics.increment('jobs_spool_conflicts_total', { queue, task });
        return hook?.(conflict);
      };
      this.fallback = new Fallback(
        options.fallback,
        {
          enqueue: (jobs) => this.adapterCall('enqueue (spool relay)', () => this.adapter.enqueue(jobs)),
          relayed: (jobs) => this.announceRelayed(jobs),
          onConflict,
        },
        this.clock,
        this.logger,
      );
    }
    const fallback = this.fallback;
    this.spool = {
      status: async () => (fallback ? fallback.status() : { enabled: false, depth: 0, oldestAgeMs: null }),
    };
  }

  get tasks(): TaskRegistry {
    return this.registry;
  }

  async subscribe(listener: ClusterEventListener, options?: SubscribeOptions): Promise<() => Promise<void>> {
    this.assertOpen();
    return this.operations.subscribe(listener, options);
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

  async start(): Promise<void> {
    if (this.lifecycle === 'closed') throw new ClosedError('switchyard');
    this.startPromise ??= (async () => {
      this.lifecycle = 'starting';
      // Start connects and may migrate a schema (waiting on another process's migration lock): it
      // gets at least START_TIMEOUT_MS, so a short `backendTimeout` tuned for enqueues cannot fail it.
      await this.adapterCall(
        'start',
        () =>
          this.adapter.start({
            // Connection errors the adapter logs during an outage count towards it (logged once).
            logger: this.health.adapterLogger,
            clock: this.clock,
            retention: this.retention,
            historyRetentionMs: this.historyRetentionMs,
          }),
        Math.max(this.backendTimeoutMs, START_TIMEOUT_MS),
      );
      await this.fallback?.start();
      this.lifecycle = 'started';
    })();
    return this.startPromise;
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'closed') return;
    await Promise.all([...this.workerSet].map((worker) => worker.stop()));
    this.lifecycle = 'closed';
    await this.fallback?.stop();
    await this.operations.close();
    await this.adapterCall(
      'close',
      () => this.adapter.close(),
      Math.max(this.backendTimeoutMs, CLOSE_TIMEOUT_MS),
    );
  }

  createWorker(options: WorkerOptions = {}): Worker {
    const queues = options.queues ?? this.defaultQueues();
    const worker = new SwitchyardWorker(this.runtime, { ...options, queues }, () =>
      this.workerSet.delete(worker),
    );
    this.workerSet.add(worker);
    return worker;
  }

  async enqueue(taskOrName: TaskDefinition | string, payload: unknown, options: EnqueueOptions = {}) {
    this.assertOpen();
    const task = this.resolveTask(taskOrName);
    const job = await buildJob(task, payload, options, this.buildContext());
    try {
      const stored = enqueueOptions(options.tx, options.id === undefined);
      if (await this.storeOrSpool([job], stored)) return { id: job.id, spooled: true as const };
    } catch (error) {
      // The same id again: an earlier attempt of this enqueue got through (idempotent retry).
      const sameJob =
        options.id !== undefined && error instanceof DuplicateJobError && error.existingJobId === job.id;
      if (!sameJob) throw error;
    }
    return { id: job.id };
  }

  async enqueueMany(taskOrName: TaskDefinition | string, payloads: unknown[], options: EnqueueOptions = {}) {
    this.assertOpen();
    if (!Array.isArray(payloads)) throw new InvalidOptionsError('enqueueMany takes an array of payloads');
    if (options.uniqueKey !== undefined || options.id !== undefined) {
      throw new InvalidOptionsError(
        'enqueueMany cannot take one uniqueKey or id for many jobs; enqueue them one by one',
      );
    }
    const task = this.resolveTask(taskOrName);
    const template = prepareJobTemplate(task, options, this.buildContext());
    // Validate everything before writing anything: one bad payload means no job is stored.
    const jobs: NewJob[] = new Array(payloads.length);
    let index = 0;
    // Built only when a payload fails; an async schema is awaited before `index` moves on.
    const what = () => `payload #${index} of task "${task.name}"`;
    for (; index < payloads.length; index++) {
      const payload = payloads[index];
      const validated = validateMaybeSync(task.schema, payload, what);
      if (validated instanceof Promise) await validated;
      jobs[index] = jobFromTemplate(template, payload);
    }
    const spooled = jobs.length > 0 && (await this.storeOrSpool(jobs, enqueueOptions(options.tx, true)));
    return jobs.map((job) => (spooled ? { id: job.id, spooled: true as const } : { id: job.id }));
  }

  /** Checks and stores a flow; see `YardFlows` for reading and cancelling it. */
  flow(root: FlowNode, options?: FlowOptions): Promise<{ id: string }> {
    return this.flowApi.create(root, options);
  }

  /** Stores jobs (a flow's steps): ids that exist already are skipped, not an error. */
  private async storeSkippingDuplicates(jobs: NewJob[]): Promise<void> {
    try {
      await this.store(jobs);
    } catch (error) {
      if (!SwitchyardError.hasCode(error, 'DUPLICATE_JOB')) throw error;
    }
  }

  /** Stores jobs, or puts them in the fallback spool while the backend is unavailable. True when spooled. */
  private async storeOrSpool(jobs: NewJob[], options: AdapterEnqueueOptions): Promise<boolean> {
    // A job inside the caller's transaction must fail with it, never wait elsewhere.
    if (!this.fallback || options.tx !== undefined) {
      await this.store(jobs, options);
      return false;
    }
    // Spooled jobs are relayed without `newIds`: the failed attempt may have stored them.
    return this.fallback.store(jobs, () => this.store(jobs, options));
  }

  private async store(jobs: NewJob[], options: AdapterEnqueueOptions = {}): Promise<void> {
    return this.holdingStarts(
      jobs.map((job) => job.id),
      () => this.storeAndAnnounce(jobs, options),
    );
  }

  /**
   * Runs `work` (which puts jobs in their queue and announces it) so that a worker of this
   * process that gets one of `ids` before `work` returns waits with `job:started` until the
   * job was announced. Ordering only matters to someone who listens; otherwise no bookkeeping.
   */
  private async holdingStarts<T>(ids: string[], work: () => Promise<T>): Promise<T> {
    if (!this.announcing()) return work();
    let settled!: () => void;
    const announced = new Promise<void>((resolve) => {
      settled = resolve;
    });
    for (const id of ids) this.enqueuesInFlight.set(id, announced);
    try {
      return await work();
    } finally {
      for (const id of ids) this.enqueuesInFlight.delete(id);
      settled();
    }
  }

  private async storeAndAnnounce(jobs: NewJob[], options: AdapterEnqueueOptions): Promise<void> {
    const { tracer, metrics } = this.runtime;
    // A bulk enqueue may get one batch span linking the jobs' own spans (OpenTelemetry messaging).
    const batch = jobs.length > 1 ? tracer.startEnqueueBatch?.(jobs, this.telemetryScope) : undefined;
    const spans = jobs.map((job, index) => {
      const span = batch === undefined ? tracer.startEnqueue(job, this.telemetryScope) : batch.jobs[index]!;
      if (hasKeys(span.metadata)) {
        // A job with no metadata of its own takes the span's as it is (one object per batch, not per job).
        job.metadata = hasKeys(job.metadata) ? { ...job.metadata, ...span.metadata } : span.metadata;
      }
      return span;
    });
    let outcomes: Awaited<ReturnType<QueueAdapter['enqueue']>>;
    try {
      outcomes = await this.adapterCall('enqueue', () => this.adapter.enqueue(jobs, options));
    } catch (error) {
      for (const span of spans) span.end(error);
      batch?.end(error);
      throw error;
    }
    const now = this.clock.now();
    const announce = this.hub.has('job:enqueued');
    const publisher = this.operations.publishing ? this.runtime.publisher : undefined;
    let duplicate: DuplicateJobError | undefined;
    outcomes.forEach((outcome, index) => {
      const job = jobs[index]!;
      if (outcome.status === 'duplicate') {
        duplicate ??= new DuplicateJobError(outcome.existingJobId, job.uniqueKey);
        spans[index]!.end(duplicate);
        return;
      }
      spans[index]!.end();
      if (metrics !== noopMetrics)
        metrics.increment('jobs_enqueued_total', { queue: job.queue, task: job.task });
      if (announce || publisher) {
        const record = recordOfNewJob(job, now);
        if (announce) this.hub.emit('job:enqueued', { job: record });
        publisher?.enqueued(record);
      }
    });
    batch?.end(duplicate);
    if (duplicate) throw duplicate;
  }

  private async enqueueScheduleTick(schedule: ScheduleRecord, tick: Date): Promise<boolean> {
    const task = this.registry.get(schedule.task);
    if (!task) throw new UnknownTaskError(schedule.task);
    const { priority, maxAttempts, timeoutMs, metadata } = schedule.jobOptions;
    const job = buildJobFromValidPayload(
      task,
      schedule.payload,
      {
        queue: schedule.queue,
        ...(priority !== undefined ? { priority } : {}),
        ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
        metadata: { ...metadata, scheduleKey: schedule.key, scheduleTick: tick.toISOString() },
      },
      this.buildContext(),
      scheduleTickJobId(schedule.key, tick),
    );
    if (maxAttempts !== undefined) job.maxAttempts = maxAttempts;
    try {
      await this.store([job]);
      return true;
    } catch (error) {
      if (SwitchyardError.hasCode(error, 'DUPLICATE_JOB')) return false;
      throw error;
    }
  }

  private buildContext(): JobBuildContext {
    return {
      adapterName: this.adapter.name,
      capabilities: this.adapter.capabilities,
      maxPayloadBytes: this.maxPayloadBytes,
      now: this.clock.now(),
      newId: newJobId,
    };
  }

  private register(task: TaskDefinition): void {
    const existing = this.registry.get(task.name);
    if (existing && existing !== task) {
      throw new InvalidOptionsError(`two different tasks are named "${task.name}"`);
    }
    this.registry.set(task.name, task);
  }

  private resolveTask(taskOrName: TaskDefinition | string): TaskDefinition {
    if (typeof taskOrName === 'string') {
      const task = this.registry.get(taskOrName);
      if (!task) throw new UnknownTaskError(taskOrName);
      return task;
    }
    if (!taskOrName || typeof taskOrName !== 'object' || typeof taskOrName.name !== 'string') {
      throw new InvalidOptionsError('enqueue needs a task definition or a task name');
    }
    this.register(taskOrName);
    return taskOrName;
  }

  private defaultQueues(): string[] {
    const queues = new Set(['default']);
    for (const task of this.registry.values()) queues.add(task.queue);
    return [...queues];
  }

  /** Someone listens to this process's `job:enqueued`, here or in the cluster. */
  private announcing(): boolean {
    return this.hub.has('job:enqueued') || this.operations.publishing;
  }

  /** Announces spooled jobs the backend finally took (as their enqueue would have). */
  private announceRelayed(jobs: NewJob[]): void {
    const now = this.clock.now();
    for (const job of jobs) {
      this.runtime.metrics.increment('jobs_enqueued_total', { queue: job.queue, task: job.task });
      if (!this.announcing()) continue;
      const record = recordOfNewJob(job, now);
      this.hub.emit('job:enqueued', { job: record });
      if (this.operations.publishing) this.runtime.publisher?.enqueued(record);
    }
  }

  /** Announces a job put back in its queue by a manual retry. */
  private announceRetried(job: JobRecord): void {
    this.runtime.metrics.increment('jobs_enqueued_total', { queue: job.queue, task: job.task });
    this.hub.emit('job:enqueued', { job, retry: true });
    if (this.operations.publishing) this.runtime.publisher?.enqueued(job, { retry: true });
  }

  /** Announces a job cancelled while it waited. */
  private announceCancelled(before: JobRecord): void {
    const job: JobRecord = { ...before, state: 'cancelled' };
    this.runtime.metrics.increment('jobs_cancelled_total', { queue: job.queue, task: job.task });
    this.hub.emit('job:cancelled', { job });
    if (this.operations.publishing) this.runtime.publisher?.cancelledWaiting(job);
  }

  private assertOpen(): void {
    if (this.lifecycle === 'closed') throw new ClosedError('switchyard');
    if (this.lifecycle !== 'started') throw new NotStartedError('switchyard');
  }

  /**
   * Runs an adapter call within `backendTimeout`: a timeout or a lost connection throws
   * `BackendUnavailableError`, any other non-Switchyard error `AdapterError`.
   */
  private async adapterCall<T>(
    what: string,
    call: () => Promise<T>,
    timeoutMs = this.backendTimeoutMs,
  ): Promise<T> {
    const health = this.health;
    // Only a call made during the outage says the backend is back (an older one may answer late).
    const duringOutage = health.down;
    try {
      const value = await callBackend(this.adapter.name, what, timeoutMs, call);
      if (duringOutage && health.down) health.succeeded();
      return value;
    } catch (error) {
      health.failed(error, what);
      throw error;
    }
  }

  /** An adapter call made through the public API: the yard must be open. */
  private open<T>(what: string, call: () => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.adapterCall(what, call);
  }

  /**
   * Cancels one job. The record read first labels the metric and the events, and tells
   * whether the job is a flow step, whose flow then moves on (`advanceFlow`).
   */
  private async cancelJob(id: string, advanceFlow: boolean): Promise<CancelOutcome> {
    const before = await this.open('jobs.get', () => this.adapter.jobs.get(id));
    const outcome = await this.open('jobs.cancel', () => this.adapter.jobs.cancel(id));
    if (outcome === 'cancelled' && before) {
      this.announceCancelled(before);
      if (advanceFlow) await this.flowSteps.cancelledOutside(before);
    }
    return outcome;
  }

  private createJobs(): YardJobs {
    const store = () => this.adapter.jobs;
    return {
      get: (id) => this.open('jobs.get', () => store().get(id)),
      list: (query = {}) => {
        const normalized = normalizeListQuery(query);
        const adapter = this.adapter;
        if (adapter.specVersion === 2) return this.open('jobs.list', () => adapter.jobs.list(normalized));
        return this.open('jobs.list', () => adapter.jobs.list(legacyListQuery(adapter.name, normalized)));
      },
      counts: (query) => this.open('jobs.counts', () => store().counts(query)),
      cancel: (id) => this.cancelJob(id, true),
      retry: (id) =>
        // A manual retry puts the job back in its queue: announce it like an enqueue.
        this.holdingStarts([id], async () => {
          const job = await this.open('jobs.retry', () => store().retry(id));
          if (job) this.announceRetried(job);
          return job;
        }),
      remove: (id) => this.open('jobs.remove', () => store().remove(id)),
      waitFor: (id, options = {}) => {
        this.assertOpen();
        return waitForJob(
          (jobId) => this.jobs.get(jobId),
          this.hub,
          id,
          options,
          this.operations.available ? (listener) => this.operations.subscribeUnordered(listener) : undefined,
        );
      },
      // Each page's backend calls get the timeout, not the whole (long) bulk action.
      bulk: async (options) => {
        this.assertOpen();
        return this.operations.bulk(planBulk(options), (jobs) => this.announceBulk(jobs, options.action));
      },
      clean: async (options) => {
        this.assertOpen();
        return this.operations.bulk(planClean(options, this.clock.now()), () => {});
      },
    };
  }

  /** Events for jobs a bulk action changed (a bulk retry re-enqueues, a bulk cancel cancels). */
  private announceBulk(jobs: JobRecord[], action: 'retry' | 'cancel' | 'remove'): void {
    const now = this.clock.now();
    for (const job of jobs) {
      if (action === 'retry') {
        this.announceRetried({
          ...job,
          state: 'pending',
          attempt: 0,
          runAt: new Date(now),
          error: undefined,
          finishedAt: undefined,
          result: undefined,
        });
      } else if (action === 'cancel' && job.state !== 'running') {
        this.announceCancelled(job);
        // Errors are logged there; a bulk action goes on.
        void this.flowSteps.cancelledOutside(job);
      }
    }
  }

  private createQueues(): YardQueues {
    const control = () => this.adapter.queues;
    const named = (queue: string) => {
      assertValidName(queue, 'queue name');
      return queue;
    };
    return {
      pause: (queue) => this.open('queues.pause', () => control().pause(named(queue))),
      resume: (queue) => this.open('queues.resume', () => control().resume(named(queue))),
      isPaused: (queue) => this.open('queues.isPaused', () => control().isPaused(named(queue))),
      list: () => this.open('queues.list', () => control().list()),
    };
  }

  private createSchedules(): YardSchedules {
    const store = () => this.adapter.schedules;
    return {
      upsert: async (input) => {
        this.assertOpen();
        if (!input || typeof input !== 'object')
          throw new InvalidOptionsError('schedules.upsert needs an object');
        const fresh = await scheduleRecordOf(input, this.resolveTask(input.task), this.buildContext());
        const existing = await this.open('schedules.get', () => store().get(fresh.key));
        const schedule = keepStoredProgress(fresh, existing);
        await this.open('schedules.upsert', () => store().upsert(schedule));
        return schedule;
      },
      get: (key) => this.open('schedules.get', () => store().get(key)),
      list: () => this.open('schedules.list', () => store().list()),
      pause: (key) => this.open('schedules.pause', () => store().setPaused(key, true)),
      resume: (key) => this.open('schedules.resume', () => store().setPaused(key, false)),
      remove: (key) => this.open('schedules.remove', () => store().remove(key)),
      trigger: async (key) => {
        const schedule = await this.open('schedules.get', () => store().get(key));
        if (!schedule) return null;
        return this.enqueue(schedule.task, schedule.payload, {
          queue: schedule.queue,
          ...(schedule.jobOptions.priority !== undefined ? { priority: schedule.jobOptions.priority } : {}),
          ...(schedule.jobOptions.timeoutMs !== undefined ? { timeout: schedule.jobOptions.timeoutMs } : {}),
          metadata: { ...schedule.jobOptions.metadata, scheduleKey: schedule.key, scheduleTrigger: 'manual' },
        });
      },
    };
  }
}

/** The list query of a specVersion 1 adapter: one state, task, queue; anything else is refused. */
function legacyListQuery(adapterName: string, query: NormalizedListQuery): ListJobsQueryV1 {
  const { states, task, queue, limit, cursor, scanLimit: _scanLimit, ...search } = query;
  if ((states?.length ?? 0) > 1 || Object.keys(search).length > 0) {
    throw new CapabilityError(
      adapterName,
      'specVersion 2',
      'searching jobs by several states, dates, metadata or payload needs an adapter of specVersion 2',
    );
  }
  return {
    ...(states?.[0] !== undefined ? { state: states[0] } : {}),
    ...(task !== undefined ? { task } : {}),
    ...(queue !== undefined ? { queue } : {}),
    limit,
    ...(cursor !== undefined ? { cursor } : {}),
  };
}

/** What the adapter's `enqueue` is told: only the options that apply (`newIds`: core generated every id). */
function enqueueOptions(tx: unknown, newIds: boolean): AdapterEnqueueOptions {
  const options: AdapterEnqueueOptions = {};
  if (tx !== undefined) options.tx = tx;
  if (newIds) options.newIds = true;
  return options;
}

function hasKeys(record: Record<string, string>): boolean {
  for (const _key in record) return true;
  return false;
}
