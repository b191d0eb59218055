/**
 * The legacy queue under test lives in `examples/legacy-priority-queue` and is
 * written for Node's type stripping (`.ts` imports), so it is loaded at run time
 * rather than compiled into this package. Both it and the facade are driven
 * through `LegacyCallSites`: the surface old call sites use.
 */

/** A task as call sites read it, on both implementations. */
export interface LegacyTaskView {
  id: string;
  type: string;
  data: unknown;
  priority: number;
  status: string;
  result?: unknown;
  error?: string;
}

/** The call-site surface shared by the legacy manager and the facade. */
export interface LegacyCallSites {
  addTask(type: string, data: unknown, options?: { priority?: number }): Promise<string>;
  getTask(id: string): Promise<LegacyTaskView | undefined>;
  cancelTask(id: string): Promise<boolean>;
  listTasks(filter?: { status?: any }): Promise<LegacyTaskView[]>;
  stats(): Promise<Record<'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'total', number>>;
  start(): Promise<void>;
  stop(): Promise<void>;
  drain(): Promise<void>;
}

/** What the example module exports (the parts the tests use). */
export interface LegacyExampleModule {
  TaskQueueManager: new (options: {
    concurrency?: number;
    handlers?: Record<string, (data: any) => unknown>;
  }) => LegacyCallSites;
  TaskType: Record<string, string>;
  TaskStatus: Record<'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED', string>;
  TaskPriority: Record<'CRITICAL' | 'HIGH' | 'NORMAL' | 'LOW' | 'BACKGROUND', number>;
}

const EXAMPLE = new URL('../../../../examples/legacy-priority-queue/src/index.ts', import.meta.url);

/** Loads the legacy example module. */
export async function loadLegacyExample(): Promise<LegacyExampleModule> {
  return (await import(EXAMPLE.href)) as LegacyExampleModule;
}
