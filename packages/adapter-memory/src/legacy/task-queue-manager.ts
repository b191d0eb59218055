/**
 * The `TaskQueueManager` compatibility facade (API.md §13): the call sites of a
 * hand-rolled in-process priority queue (`addTask`, `getTask`, `cancelTask`,
 * `listTasks`, `stats`) keep working on Switchyard, on any adapter. Each legacy
 * method warns once per call site and names its replacement.
 */
import {
  createSwitchyard,
  type Duration,
  defineTask,
  InvalidOptionsError,
  type JobContext,
  type JobRecord,
  type JobState,
  parseDuration,
  type QueueAdapter,
  type RetryOptions,
  type Switchyard,
  type TaskDefinition,
  type Worker,
} from '@switchyard/core';
import { warnDeprecatedOnce } from './deprecation.js';
import {
  type LegacyQueueStats,
  type LegacyTask,
  type LegacyTaskStatus,
  legacyStatsOfCounts,
  legacyTaskOfJob,
  statesOfLegacyStatus,
  toSwitchyardPriority,
} from './legacy-mapping.js';

/** A legacy handler: the task's data in, any JSON result out. */
export type LegacyTaskHandler = (data: any, task: LegacyTask) => unknown;

/** Options of `createTaskQueueManager`. Give exactly one of `adapter` or `yard`. */
export interface TaskQueueManagerOptions {
  /** A backend; the manager creates, starts and closes its own yard on it. */
  adapter?: QueueAdapter;
  /** An existing yard (the manager starts it if needed and never closes it). */
  yard?: Switchyard;
  /** Handlers by task type, as the legacy constructor took them. */
  handlers?: Record<string, LegacyTaskHandler>;
  /** Tasks run at once. Default 1, like the legacy worker loop. */
  concurrency?: number;
  /** Switchyard queue the legacy tasks go to. Default `'legacy'`. */
  queue?: string;
  /** Prefix of the Switchyard task name of each type (`legacy.send_email`). Default `'legacy.'`. */
  taskPrefix?: string;
  /** Retry policy of every legacy type. Default `{ attempts: 1 }`: the legacy queue never retried. */
  retry?: RetryOptions;
  /** Per-attempt timeout. Default `'15m'`. */
  timeout?: Duration;
  /** Lease length of the worker (see `WorkerOptions.leaseDuration`). Default `'30s'`. */
  leaseDuration?: Duration;
}

/** The legacy manager surface, backed by Switchyard. */
export interface TaskQueueManager {
  /** @deprecated Define a task with `defineTask({ handler })` or use `worker.handle(task, handler)`. */
  registerHandler(type: string, handler: LegacyTaskHandler): void;
  /** @deprecated Use `yard.enqueue(task, payload, { priority })`. Resolves with the job id. */
  addTask(type: string, data: unknown, options?: { priority?: number }): Promise<string>;
  /** @deprecated Use `yard.jobs.get(id)`. */
  getTask(id: string): Promise<LegacyTask | undefined>;
  /** @deprecated Use `yard.jobs.cancel(id)`. Like the legacy queue, only a waiting task is cancelled. */
  cancelTask(id: string): Promise<boolean>;
  /** @deprecated Use `yard.jobs.list({ state, queue })`. Oldest first, like the legacy queue. */
  listTasks(filter?: { status?: LegacyTaskStatus }): Promise<LegacyTask[]>;
  /** @deprecated Use `yard.jobs.counts({ queue })`. */
  stats(): Promise<LegacyQueueStats>;
  /** @deprecated Use `yard.createWorker({ queues }).start()`. */
  start(): Promise<void>;
  /** @deprecated Use `worker.stop()` and `yard.close()`. */
  stop(): Promise<void>;
  /** @deprecated Use `yard.jobs.waitFor(id)`. Resolves once no job of the manager's queue waits or runs (in any process). */
  drain(options?: { timeout?: Duration }): Promise<void>;
  /** The yard behind the facade, for call sites that migrate one by one. */
  readonly yard: Switchyard;
}

/** Builds the facade. Warns once per call site (here too) that it is deprecated. */
export function createTaskQueueManager(options: TaskQueueManagerOptions): TaskQueueManager {
  warnDeprecatedOnce(
    'constructor',
    'createSwitchyard({ adapter, tasks }) with defineTask() and yard.createWorker()',
    createTaskQueueManager,
  );
  return new SwitchyardTaskQueueManager(options);
}

// Legacy data is any JSON value; each type's real schema arrives with step 2 of the migration.
const anyJson = {
  '~standard': { version: 1, vendor: 'switchyard-legacy', validate: (value: unknown) => ({ value }) },
} as const;

const WAITING_OR_RUNNING: JobState[] = ['scheduled', 'pending', 'retrying', 'running'];
const DRAIN_POLL_MS = 10;

class SwitchyardTaskQueueManager implements TaskQueueManager {
  readonly yard: Switchyard;
  private readonly ownsYard: boolean;
  private readonly queue: string;
  private readonly prefix: string;
  private readonly concurrency: number;
  private readonly retry: RetryOptions;
  private readonly timeout: Duration;
  private readonly leaseDuration: Duration;
  private readonly definitions = new Map<string, TaskDefinition>();
  private readonly handlers = new Map<string, LegacyTaskHandler>();
  private worker?: Worker;
  private ready?: Promise<void>;

  constructor(options: TaskQueueManagerOptions) {
    if ((options.adapter === undefined) === (options.yard === undefined)) {
      throw new InvalidOptionsError('createTaskQueueManager: give exactly one of `adapter` or `yard`');
    }
    this.ownsYard = options.yard === undefined;
    this.yard = options.yard ?? createSwitchyard({ adapter: options.adapter! });
    this.queue = options.queue ?? 'legacy';
    this.prefix = options.taskPrefix ?? 'legacy.';
    this.concurrency = options.concurrency ?? 1;
    this.retry = options.retry ?? { attempts: 1 };
    this.timeout = options.timeout ?? '15m';
    this.leaseDuration = options.leaseDuration ?? '30s';
    for (const [type, handler] of Object.entries(options.handlers ?? {})) this.handlers.set(type, handler);
  }

  registerHandler(type: string, handler: LegacyTaskHandler): void {
    warnDeprecatedOnce(
      'registerHandler',
      'defineTask({ name, handler }) or worker.handle(task, handler)',
      this.registerHandler,
    );
    this.handlers.set(type, handler);
    // A definition made before this handler existed would run without it: rebuild it.
    this.definitions.delete(type);
  }

  async addTask(type: string, data: unknown, options: { priority?: number } = {}): Promise<string> {
    warnDeprecatedOnce('addTask', 'yard.enqueue(task, payload, { priority })', this.addTask);
    await this.open();
    const task = await this.definitionOf(type);
    // JSON has no `undefined`; the legacy queue allowed addTask(type) without data.
    const { id } = await this.yard.enqueue(task, data === undefined ? null : data, {
      priority: toSwitchyardPriority(options.priority),
    });
    return id;
  }

  async getTask(id: string): Promise<LegacyTask | undefined> {
    warnDeprecatedOnce('getTask', 'yard.jobs.get(id)', this.getTask);
    await this.open();
    const job = await this.yard.jobs.get(id);
    return job ? this.legacyTask(job) : undefined;
  }

  async cancelTask(id: string): Promise<boolean> {
    warnDeprecatedOnce('cancelTask', 'yard.jobs.cancel(id)', this.cancelTask);
    await this.open();
    const job = await this.yard.jobs.get(id);
    // The legacy queue could not stop a running task; keep that rather than abort one mid-flight.
    if (!job || !this.owns(job) || !['scheduled', 'pending', 'retrying'].includes(job.state)) return false;
    return (await this.yard.jobs.cancel(id)) === 'cancelled';
  }

  async listTasks(filter: { status?: LegacyTaskStatus } = {}): Promise<LegacyTask[]> {
    warnDeprecatedOnce('listTasks', 'yard.jobs.list({ state, queue })', this.listTasks);
    await this.open();
    const states = filter.status === undefined ? [undefined] : statesOfLegacyStatus(filter.status);
    const jobs: JobRecord[] = [];
    for (const state of states) jobs.push(...(await this.allJobs(state)));
    // Legacy order is creation order; Switchyard pages newest first, and ids are time ordered.
    jobs.sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return jobs.flatMap((job) => this.legacyTask(job) ?? []);
  }

  async stats(): Promise<LegacyQueueStats> {
    warnDeprecatedOnce('stats', 'yard.jobs.counts({ queue })', this.stats);
    await this.open();
    return legacyStatsOfCounts(await this.yard.jobs.counts({ queue: this.queue }));
  }

  async start(): Promise<void> {
    warnDeprecatedOnce('start', 'yard.createWorker({ queues }).start()', this.start);
    await this.open();
    if (this.worker) return;
    // Register every known type before taking jobs: a durable backend may hold jobs from an earlier run.
    for (const type of this.handlers.keys()) await this.definitionOf(type);
    this.worker = this.yard.createWorker({
      queues: [this.queue],
      concurrency: this.concurrency,
      leaseDuration: this.leaseDuration,
      scheduler: false,
    });
    await this.worker.start();
  }

  async stop(): Promise<void> {
    warnDeprecatedOnce('stop', 'worker.stop() and yard.close()', this.stop);
    await this.worker?.stop();
    this.worker = undefined;
    if (this.ownsYard) await this.yard.close();
  }

  async drain(options: { timeout?: Duration } = {}): Promise<void> {
    warnDeprecatedOnce('drain', 'yard.jobs.waitFor(id)', this.drain);
    await this.open();
    const deadline =
      options.timeout === undefined
        ? Number.POSITIVE_INFINITY
        : Date.now() + parseDuration(options.timeout, 'timeout');
    for (;;) {
      const counts = await this.yard.jobs.counts({ queue: this.queue });
      if (WAITING_OR_RUNNING.every((state) => counts[state] === 0)) return;
      if (Date.now() >= deadline) {
        throw new InvalidOptionsError(
          `drain: tasks still waiting or running after ${String(options.timeout)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  /** Starts the yard once when the facade owns it; a given yard is started if it is not yet. */
  private open(): Promise<void> {
    this.ready ??= this.yard.start();
    return this.ready;
  }

  /** The Switchyard task of a legacy type, defined and registered with the yard on first use. */
  private async definitionOf(type: string): Promise<TaskDefinition> {
    const known = this.definitions.get(type);
    if (known) return known;
    const handler = this.handlers.get(type);
    const definition = defineTask({
      name: `${this.prefix}${type}`,
      queue: this.queue,
      schema: anyJson,
      retry: this.retry,
      timeout: this.timeout,
      ...(handler
        ? {
            handler: (data: unknown, ctx: JobContext) =>
              handler(data, legacyTaskOfJob(ctx.job, type)) as Promise<unknown>,
          }
        : {}),
    });
    // An empty enqueueMany registers the definition with the yard (so its worker can run it) and writes nothing.
    await this.yard.enqueueMany(definition, []);
    this.definitions.set(type, definition);
    return definition;
  }

  /** Every job of this manager's queue, optionally in one state, following the cursor. */
  private async allJobs(state: JobState | undefined): Promise<JobRecord[]> {
    const jobs: JobRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.yard.jobs.list({
        queue: this.queue,
        limit: 1000,
        ...(state ? { state } : {}),
        ...(cursor ? { cursor } : {}),
      });
      jobs.push(...page.jobs);
      cursor = page.nextCursor;
    } while (cursor);
    return jobs;
  }

  private owns(job: JobRecord): boolean {
    return job.queue === this.queue && job.task.startsWith(this.prefix);
  }

  private legacyTask(job: JobRecord): LegacyTask | undefined {
    return this.owns(job) ? legacyTaskOfJob(job, job.task.slice(this.prefix.length)) : undefined;
  }
}
