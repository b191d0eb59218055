/**
 * A hand-rolled, in-process task queue manager: a binary-heap priority queue,
 * a worker loop with a concurrency limit, and status bookkeeping in a Map.
 * Everything lives in this process's memory and is gone after a restart.
 */
import { PriorityHeap } from './priority-heap.ts';
import { type QueueStats, type Task, type TaskHandlerFn, TaskPriority, TaskStatus } from './task-types.ts';

/** Options of the legacy manager. */
export interface TaskQueueManagerOptions {
  /** How many tasks run at once. Default 1. */
  concurrency?: number;
  /** Handlers by task type. */
  handlers?: Record<string, TaskHandlerFn>;
}

/** Options of `addTask`. */
export interface AddTaskOptions {
  /** 0..9, lower runs first. Default `TaskPriority.NORMAL`. */
  priority?: number;
}

/** The legacy manager, as call sites use it. */
export class TaskQueueManager {
  private readonly tasks = new Map<string, Task>();
  private readonly queue = new PriorityHeap<Task>();
  private readonly handlers = new Map<string, TaskHandlerFn>();
  private readonly concurrency: number;
  private running = 0;
  private started = false;
  private nextId = 1;
  private idleWaiters: (() => void)[] = [];

  constructor(options: TaskQueueManagerOptions = {}) {
    this.concurrency = options.concurrency ?? 1;
    for (const [type, handler] of Object.entries(options.handlers ?? {})) this.handlers.set(type, handler);
  }

  /** Registers the function that runs tasks of `type`. */
  registerHandler(type: string, handler: TaskHandlerFn): void {
    this.handlers.set(type, handler);
  }

  /** Queues a task and returns its id. */
  async addTask(type: string, data: unknown, options: AddTaskOptions = {}): Promise<string> {
    const task: Task = {
      id: `task-${this.nextId++}`,
      type,
      data,
      priority: options.priority ?? TaskPriority.NORMAL,
      status: TaskStatus.PENDING,
      createdAt: new Date(),
    };
    this.tasks.set(task.id, task);
    this.queue.push(task, task.priority);
    this.pump();
    return task.id;
  }

  /** The task with this id, or undefined. */
  async getTask(id: string): Promise<Task | undefined> {
    return this.tasks.get(id);
  }

  /** Cancels a pending task. Running and finished tasks cannot be cancelled. */
  async cancelTask(id: string): Promise<boolean> {
    const task = this.tasks.get(id);
    if (!task || task.status !== TaskStatus.PENDING) return false;
    this.queue.remove((queued) => queued.id === id);
    task.status = TaskStatus.CANCELLED;
    task.completedAt = new Date();
    this.notifyIfIdle();
    return true;
  }

  /** Tasks in creation order, optionally only those with `status`. */
  async listTasks(filter: { status?: TaskStatus } = {}): Promise<Task[]> {
    const all = [...this.tasks.values()];
    return filter.status === undefined ? all : all.filter((task) => task.status === filter.status);
  }

  /** Counts per status. */
  async stats(): Promise<QueueStats> {
    const stats: QueueStats = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, total: 0 };
    for (const task of this.tasks.values()) {
      stats[task.status] += 1;
      stats.total += 1;
    }
    return stats;
  }

  /** Starts the worker loop. */
  async start(): Promise<void> {
    this.started = true;
    this.pump();
  }

  /** Stops taking tasks and waits for the running ones. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves once nothing is pending or running. */
  async drain(): Promise<void> {
    if (this.running === 0 && this.queue.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** The worker loop: fill free slots from the heap. */
  private pump(): void {
    while (this.started && this.running < this.concurrency && this.queue.size > 0) {
      const task = this.queue.pop()!;
      this.running += 1;
      void this.run(task).finally(() => {
        this.running -= 1;
        this.pump();
        this.notifyIfIdle();
      });
    }
  }

  private async run(task: Task): Promise<void> {
    task.status = TaskStatus.RUNNING;
    task.startedAt = new Date();
    const handler = this.handlers.get(task.type);
    try {
      if (!handler) throw new Error(`no handler registered for task type "${task.type}"`);
      task.result = await handler(task.data, task);
      task.status = TaskStatus.COMPLETED;
    } catch (error) {
      // No retries here: a failed task stays failed until someone re-adds it.
      task.status = TaskStatus.FAILED;
      task.error = error instanceof Error ? error.message : String(error);
    }
    task.completedAt = new Date();
  }

  private notifyIfIdle(): void {
    const idle = this.running === 0 && (this.queue.size === 0 || !this.started);
    if (!idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
