/**
 * `createSwitchyard`: the producer side (enqueue, queries, queues, schedules)
 * and the factory of workers. One yard per process, bound to one adapter.
 */
import type { QueueAdapter } from './adapter.js';
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
} from './api.js';
import { type Clock, systemClock } from './clock.js';
import { parseOptionalDuration } from './duration.js';
import {
  AdapterError,
  ClosedError,
  DuplicateJobError,
  InvalidOptionsError,
  NotStartedError,
  SwitchyardError,
  UnknownTaskError,
} from './errors.js';
import { EventHub } from './events.js';
import { newJobId, scheduleTickJobId } from './ids.js';
import type { NewJob, ScheduleRecord } from './job.js';
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
import { keepStoredProgress, scheduleRecordOf } from './schedule-definition.js';
import { assertValidName, type TaskDefinition } from './task.js';
import { noopMetrics, noopTracer } from './telemetry.js';
import { validateMaybeSync } from './validation.js';
import { waitForJob } from './wait-for.js';
import { SwitchyardWorker } from './worker.js';

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
    let index = 0;
    // Built only when a payload fails; an async schema is awaited before `index` moves on.
    const what = () => `payload #${index} of task "${task.name}"`;
    for (; index < payloads.length; index++) {
      const payload = payloads[index];
      const validated = validateMaybeSync(task.schema, payload, what);
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
      if (hasKeys(span.metadata)) job.metadata = { ...job.metadata, ...span.metadata };
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
      if (metrics !== noopMetrics)
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

  /** An adapter call made through the public API: the yard must be open. */
  private open<T>(what: string, call: () => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.adapterCall(what, call);
  }

  private createJobs(): YardJobs {
    const store = () => this.adapter.jobs;
    return {
      get: (id) => this.open('jobs.get', () => store().get(id)),
      list: (query = {}) => {
        if (
          query.limit !== undefined &&
          (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000)
        ) {
          throw new InvalidOptionsError('limit must be an integer 1..1000');
        }
        return this.open('jobs.list', () => store().list(query));
      },
      counts: (query) => this.open('jobs.counts', () => store().counts(query)),
      cancel: async (id) => {
        const before = this.hub.has('job:cancelled')
          ? await this.open('jobs.get', () => store().get(id))
          : null;
        const outcome = await this.open('jobs.cancel', () => store().cancel(id));
        if (outcome === 'cancelled' && before) {
          this.runtime.metrics.increment('jobs_cancelled_total', { queue: before.queue, task: before.task });
          this.hub.emit('job:cancelled', { job: { ...before, state: 'cancelled' } });
        }
        return outcome;
      },
      retry: async (id) => {
        const job = await this.open('jobs.retry', () => store().retry(id));
        // A manual retry puts the job back in its queue: announce it like an enqueue.
        if (job) {
          this.runtime.metrics.increment('jobs_enqueued_total', { queue: job.queue, task: job.task });
          this.hub.emit('job:enqueued', { job });
        }
        return job;
      },
      remove: (id) => this.open('jobs.remove', () => store().remove(id)),
      waitFor: (id, options = {}) => {
        this.assertOpen();
        return waitForJob((jobId) => this.jobs.get(jobId), this.hub, id, options);
      },
    };
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
    };
  }
}

function hasKeys(record: Record<string, string>): boolean {
  for (const _key in record) return true;
  return false;
}
