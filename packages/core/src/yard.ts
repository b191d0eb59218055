/**
 * `createSwitchyard`: the producer side (enqueue, queries, queues, schedules)
 * and the factory of workers. One yard per process, bound to one adapter.
 */
import type { QueueAdapter } from './adapter.js';
import type {
  EnqueueOptions,
  ScheduleInput,
  Switchyard,
  SwitchyardEvents,
  SwitchyardOptions,
  Worker,
  WorkerOptions,
  YardJobs,
  YardQueues,
  YardSchedules,
} from './api.js';
import { type Clock, systemClock } from './clock.js';
import { assertValidCron, nextScheduleTick } from './cron.js';
import { parseDuration, parseOptionalDuration } from './duration.js';
import {
  AdapterError,
  ClosedError,
  DuplicateJobError,
  InvalidOptionsError,
  NotStartedError,
  SwitchyardError,
  UnknownTaskError,
  WaitTimeoutError,
} from './errors.js';
import { EventHub } from './events.js';
import { newJobId, scheduleTickJobId } from './ids.js';
import { type JobRecord, type NewJob, type ScheduleRecord, TERMINAL_STATES } from './job.js';
import {
  buildJob,
  buildJobFromValidPayload,
  type JobBuildContext,
  jobFromTemplate,
  prepareJobTemplate,
  recordOfNewJob,
} from './job-builder.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './json.js';
import { type Logger, silentLogger } from './logger.js';
import type { YardRuntime } from './runtime.js';
import { assertValidName, type TaskDefinition } from './task.js';
import { noopMetrics, noopTracer } from './telemetry.js';
import { validateMaybeSync, validateWithSchema } from './validation.js';
import { SwitchyardWorker } from './worker.js';

const DEFAULT_WAIT_TIMEOUT_MS = 5 * 60_000;

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
  private readonly registry = new Map<string, TaskDefinition>();
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly hub: EventHub;
  private readonly runtime: YardRuntime;
  private readonly workers = new Set<SwitchyardWorker>();
  /** Jobs whose enqueue in this process has not announced `job:enqueued` yet. */
  private readonly enqueuesInFlight = new Map<string, Promise<void>>();
  private readonly maxPayloadBytes: number;
  private readonly retention: { completedMs?: number; failedMs?: number };
  private lifecycle: Lifecycle = 'new';
  private startPromise?: Promise<void>;

  constructor(options: SwitchyardOptions) {
    if (options?.adapter?.specVersion !== 1) {
      throw new InvalidOptionsError('createSwitchyard needs an adapter implementing specVersion 1');
    }
    this.adapter = options.adapter;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.retention = {
      completedMs: parseOptionalDuration(options.retention?.completed, 'retention.completed'),
      failedMs: parseOptionalDuration(options.retention?.failed, 'retention.failed'),
    };
    for (const task of options.tasks ?? []) this.register(task);
    this.hub = new EventHub((error, event) =>
      this.logger.error({ err: error, event }, 'switchyard: an event listener threw'),
    );
    this.runtime = {
      adapter: this.adapter,
      tasks: this.registry,
      logger: this.logger,
      clock: this.clock,
      random: options.random ?? Math.random,
      metrics: options.telemetry?.metrics ?? noopMetrics,
      tracer: options.telemetry?.tracer ?? noopTracer,
      events: this.hub,
      enqueueScheduleTick: (schedule, tick) => this.enqueueScheduleTick(schedule, tick),
      enqueueSettled: (jobId) =>
        this.enqueuesInFlight.size === 0 ? undefined : this.enqueuesInFlight.get(jobId),
      assertOpen: () => this.assertOpen(),
    };
    this.jobs = this.createJobs();
    this.queues = this.createQueues();
    this.schedules = this.createSchedules();
  }

  get tasks(): ReadonlyMap<string, TaskDefinition> {
    return this.registry;
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
      await this.adapterCall('start', () =>
        this.adapter.start({ logger: this.logger, clock: this.clock, retention: this.retention }),
      );
      this.lifecycle = 'started';
    })();
    return this.startPromise;
  }

  async close(): Promise<void> {
    if (this.lifecycle === 'closed') return;
    await Promise.all([...this.workers].map((worker) => worker.stop()));
    this.lifecycle = 'closed';
    await this.adapterCall('close', () => this.adapter.close());
  }

  createWorker(options: WorkerOptions = {}): Worker {
    const queues = options.queues ?? this.defaultQueues();
    const worker = new SwitchyardWorker(this.runtime, { ...options, queues }, () =>
      this.workers.delete(worker),
    );
    this.workers.add(worker);
    return worker;
  }

  async enqueue(taskOrName: TaskDefinition | string, payload: unknown, options: EnqueueOptions = {}) {
    this.assertOpen();
    const task = this.resolveTask(taskOrName);
    const job = await buildJob(task, payload, options, this.buildContext());
    await this.store([job], options.tx);
    return { id: job.id };
  }

  async enqueueMany(taskOrName: TaskDefinition | string, payloads: unknown[], options: EnqueueOptions = {}) {
    this.assertOpen();
    if (!Array.isArray(payloads)) throw new InvalidOptionsError('enqueueMany takes an array of payloads');
    if (options.uniqueKey !== undefined) {
      throw new InvalidOptionsError(
        'enqueueMany cannot take one uniqueKey for many jobs; enqueue them one by one',
      );
    }
    const task = this.resolveTask(taskOrName);
    const template = prepareJobTemplate(task, options, this.buildContext());
    // Validate everything before writing anything: one bad payload means no job is stored.
    const jobs: NewJob[] = new Array(payloads.length);
    for (let index = 0; index < payloads.length; index++) {
      const payload = payloads[index];
      const validated = validateMaybeSync(task.schema, payload, `payload #${index} of task "${task.name}"`);
      if (validated instanceof Promise) await validated;
      jobs[index] = jobFromTemplate(template, payload);
    }
    if (jobs.length > 0) await this.store(jobs, options.tx);
    return jobs.map((job) => ({ id: job.id }));
  }

  private async store(jobs: NewJob[], tx: unknown): Promise<void> {
    // Ordering only matters to someone who listens to job:enqueued; skip the bookkeeping otherwise.
    if (!this.hub.has('job:enqueued')) return this.storeAndAnnounce(jobs, tx);
    let settled!: () => void;
    const announced = new Promise<void>((resolve) => {
      settled = resolve;
    });
    for (const job of jobs) this.enqueuesInFlight.set(job.id, announced);
    try {
      await this.storeAndAnnounce(jobs, tx);
    } finally {
      for (const job of jobs) this.enqueuesInFlight.delete(job.id);
      settled();
    }
  }

  private async storeAndAnnounce(jobs: NewJob[], tx: unknown): Promise<void> {
    const { tracer, metrics } = this.runtime;
    const spans = jobs.map((job) => {
      const span = tracer.startEnqueue(job);
      Object.assign(job.metadata, span.metadata);
      return span;
    });
    let outcomes: Awaited<ReturnType<QueueAdapter['enqueue']>>;
    try {
      outcomes = await this.adapterCall('enqueue', () =>
        this.adapter.enqueue(jobs, tx === undefined ? {} : { tx }),
      );
    } catch (error) {
      for (const span of spans) span.end(error);
      throw error;
    }
    const now = this.clock.now();
    const announce = this.hub.has('job:enqueued');
    let duplicate: DuplicateJobError | undefined;
    outcomes.forEach((outcome, index) => {
      const job = jobs[index]!;
      if (outcome.status === 'duplicate') {
        duplicate ??= new DuplicateJobError(outcome.existingJobId, job.uniqueKey);
        spans[index]!.end(duplicate);
        return;
      }
      spans[index]!.end();
      metrics.increment('jobs_enqueued_total', { queue: job.queue, task: job.task });
      if (announce) this.hub.emit('job:enqueued', { job: recordOfNewJob(job, now) });
    });
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
      await this.store([job], undefined);
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

  private assertOpen(): void {
    if (this.lifecycle === 'closed') throw new ClosedError('switchyard');
    if (this.lifecycle !== 'started') throw new NotStartedError('switchyard');
  }

  /** Runs an adapter call, wrapping anything that is not a Switchyard error as `AdapterError`. */
  private async adapterCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (SwitchyardError.is(error)) throw error;
      throw new AdapterError(this.adapter.name, `${what} failed: ${(error as Error)?.message ?? error}`, {
        cause: error,
      });
    }
  }

  private createJobs(): YardJobs {
    const store = () => this.adapter.jobs;
    const call = <T>(what: string, fn: () => Promise<T>) => {
      this.assertOpen();
      return this.adapterCall(what, fn);
    };
    return {
      get: (id) => call('jobs.get', () => store().get(id)),
      list: (query = {}) => {
        if (
          query.limit !== undefined &&
          (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000)
        ) {
          throw new InvalidOptionsError('limit must be an integer 1..1000');
        }
        return call('jobs.list', () => store().list(query));
      },
      counts: (query) => call('jobs.counts', () => store().counts(query)),
      cancel: async (id) => {
        const before = this.hub.has('job:cancelled') ? await call('jobs.get', () => store().get(id)) : null;
        const outcome = await call('jobs.cancel', () => store().cancel(id));
        if (outcome === 'cancelled' && before) {
          this.runtime.metrics.increment('jobs_cancelled_total', { queue: before.queue, task: before.task });
          this.hub.emit('job:cancelled', { job: { ...before, state: 'cancelled' } });
        }
        return outcome;
      },
      retry: async (id) => {
        const job = await call('jobs.retry', () => store().retry(id));
        // A manual retry puts the job back in its queue: announce it like an enqueue.
        if (job) {
          this.runtime.metrics.increment('jobs_enqueued_total', { queue: job.queue, task: job.task });
          this.hub.emit('job:enqueued', { job });
        }
        return job;
      },
      remove: (id) => call('jobs.remove', () => store().remove(id)),
      waitFor: (id, options = {}) => this.waitFor(id, options),
    };
  }

  private async waitFor(id: string, options: { timeout?: string | number; pollInterval?: string | number }) {
    this.assertOpen();
    const timeoutMs =
      options.timeout === undefined ? DEFAULT_WAIT_TIMEOUT_MS : parseDuration(options.timeout, 'timeout');
    const pollMs =
      options.pollInterval === undefined ? 25 : parseDuration(options.pollInterval, 'pollInterval');
    const deadline = Date.now() + timeoutMs;
    // Poll the backend (the job may finish in another process), waking early on local terminal events.
    let wake: (() => void) | undefined;
    const onEvent = ({ job }: { job: JobRecord }) => job.id === id && wake?.();
    const offs = (['job:completed', 'job:failed', 'job:cancelled'] as const).map((event) =>
      this.hub.on(event, onEvent),
    );
    try {
      for (;;) {
        const job = await this.jobs.get(id);
        if (job && TERMINAL_STATES.includes(job.state)) return job;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new WaitTimeoutError(id, timeoutMs);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(pollMs, remaining));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      for (const off of offs) off();
    }
  }

  private createQueues(): YardQueues {
    const control = () => this.adapter.queues;
    const call = <T>(what: string, fn: () => Promise<T>) => {
      this.assertOpen();
      return this.adapterCall(what, fn);
    };
    const named = (queue: string) => {
      assertValidName(queue, 'queue name');
      return queue;
    };
    return {
      pause: (queue) => call('queues.pause', () => control().pause(named(queue))),
      resume: (queue) => call('queues.resume', () => control().resume(named(queue))),
      isPaused: (queue) => call('queues.isPaused', () => control().isPaused(named(queue))),
      list: () => call('queues.list', () => control().list()),
    };
  }

  private createSchedules(): YardSchedules {
    const store = () => this.adapter.schedules;
    const call = <T>(what: string, fn: () => Promise<T>) => {
      this.assertOpen();
      return this.adapterCall(what, fn);
    };
    return {
      upsert: async (input) => {
        this.assertOpen();
        const schedule = await this.scheduleRecord(input);
        const existing = await this.adapterCall('schedules.get', () => store().get(schedule.key));
        // Re-upserting the same timing (every worker does it at boot) keeps the pending tick and pause flag.
        if (existing && sameTiming(existing, schedule)) {
          schedule.nextRunAt = existing.nextRunAt;
          schedule.paused = existing.paused;
          schedule.createdAt = existing.createdAt;
          if (existing.lastRunAt) schedule.lastRunAt = existing.lastRunAt;
        }
        await this.adapterCall('schedules.upsert', () => store().upsert(schedule));
        return schedule;
      },
      get: (key) => call('schedules.get', () => store().get(key)),
      list: () => call('schedules.list', () => store().list()),
      pause: (key) => call('schedules.pause', () => store().setPaused(key, true)),
      resume: (key) => call('schedules.resume', () => store().setPaused(key, false)),
      remove: (key) => call('schedules.remove', () => store().remove(key)),
    };
  }

  private async scheduleRecord(input: ScheduleInput): Promise<ScheduleRecord> {
    if (!input || typeof input !== 'object')
      throw new InvalidOptionsError('schedules.upsert needs an object');
    assertValidName(input.key, 'schedule key');
    const task = this.resolveTask(input.task);
    if ((input.cron === undefined) === (input.every === undefined)) {
      throw new InvalidOptionsError(`schedule "${input.key}": give exactly one of cron or every`);
    }
    const tz = input.tz ?? 'UTC';
    const everyMs = input.every === undefined ? undefined : parseDuration(input.every, 'every');
    if (everyMs !== undefined && everyMs < 1000) {
      throw new InvalidOptionsError(`schedule "${input.key}": every must be at least 1s`);
    }
    if (input.cron !== undefined) assertValidCron(input.cron, tz);
    const payload = input.payload ?? {};
    await validateWithSchema(task.schema, payload, `payload of schedule "${input.key}"`);
    const now = new Date(this.clock.now());
    // Build a job once to check payload, priority, queue and metadata the same way enqueue does.
    const probe = buildJobFromValidPayload(
      task,
      payload,
      {
        ...(input.queue !== undefined ? { queue: input.queue } : {}),
        ...(input.priority !== undefined ? { priority: input.priority } : {}),
        ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
      },
      this.buildContext(),
    );
    const timing = { ...(input.cron !== undefined ? { cron: input.cron, tz } : { everyMs }) };
    return {
      key: input.key,
      task: task.name,
      queue: probe.queue,
      ...timing,
      payload,
      jobOptions: {
        ...(input.priority !== undefined ? { priority: probe.priority } : {}),
        ...(input.metadata !== undefined ? { metadata: probe.metadata } : {}),
      },
      paused: false,
      nextRunAt: nextScheduleTick(timing, now),
      createdAt: now,
    };
  }
}

function sameTiming(a: ScheduleRecord, b: ScheduleRecord): boolean {
  return a.cron === b.cron && a.everyMs === b.everyMs && (a.tz ?? 'UTC') === (b.tz ?? 'UTC');
}
