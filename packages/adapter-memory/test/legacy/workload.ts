/**
 * One workload, written once against the legacy call sites and run unchanged on
 * the legacy heap, on the facade over the memory adapter, and on a durable adapter.
 */
import type { LegacyCallSites, LegacyTaskView } from './legacy-example.js';

/** Tasks added, in this order, before the worker starts. `priority` undefined = the default (5). */
export const WORKLOAD: ReadonlyArray<{ type: string; n: number; priority?: number }> = [
  { type: 'generate_report', n: 1, priority: 7 },
  { type: 'send_email', n: 2, priority: 2 },
  { type: 'send_email', n: 3 },
  { type: 'resize_image', n: 4, priority: 2 },
  { type: 'sync_inventory', n: 5, priority: 0 },
  { type: 'send_email', n: 6, priority: 9 },
  { type: 'generate_report', n: 7, priority: 2 },
  { type: 'send_email', n: 8, priority: 0 },
  { type: 'sync_inventory', n: 9 },
  { type: 'generate_report', n: 10, priority: 9 },
  { type: 'send_email', n: 11, priority: 5 },
  { type: 'send_email', n: 12, priority: 2 },
];

/** The item (by `n`) the workload cancels before the worker starts. */
export const CANCELLED_N = 9;

/** What the heap must do: priority ascending, FIFO among equals; the cancelled one never runs. */
export function expectedExecutionOrder(): string[] {
  return WORKLOAD.map((item, index) => ({ ...item, index, priority: item.priority ?? 5 }))
    .filter((item) => item.n !== CANCELLED_N)
    .sort((a, b) => a.priority - b.priority || a.index - b.index)
    .map((item) => `${item.type}#${item.n}`);
}

/** Handlers that record the execution order; `resize_image` always fails, like a dead image store. */
export function recordingHandlers(
  executed: string[],
): Record<string, (data: { n: number }) => Promise<unknown>> {
  const record = (type: string) => async (data: { n: number }) => {
    executed.push(`${type}#${data.n}`);
    return { type, n: data.n, doubled: data.n * 2 };
  };
  return {
    send_email: record('send_email'),
    generate_report: record('generate_report'),
    sync_inventory: record('sync_inventory'),
    resize_image: async (data) => {
      executed.push(`resize_image#${data.n}`);
      throw new Error('image store unreachable');
    },
  };
}

/** Everything the workload observes through the legacy call sites. */
export interface WorkloadObservation {
  cancelledFirst: boolean;
  cancelledAgain: boolean;
  /** Per item, in WORKLOAD order: status, result and error as `getTask` reports them. */
  tasks: Array<Pick<LegacyTaskView, 'type' | 'data' | 'priority' | 'status' | 'result' | 'error'>>;
  failed: string[];
  cancelled: string[];
  pendingBeforeStart: number;
  stats: Awaited<ReturnType<LegacyCallSites['stats']>>;
}

/** The legacy call sites, exactly as application code had them. */
export async function runWorkload(
  manager: LegacyCallSites,
  status: { PENDING: string; FAILED: string; CANCELLED: string },
): Promise<WorkloadObservation> {
  const ids = new Map<number, string>();
  for (const item of WORKLOAD) {
    const options = item.priority === undefined ? {} : { priority: item.priority };
    ids.set(item.n, await manager.addTask(item.type, { n: item.n }, options));
  }
  const cancelledFirst = await manager.cancelTask(ids.get(CANCELLED_N)!);
  const cancelledAgain = await manager.cancelTask(ids.get(CANCELLED_N)!);
  const pendingBeforeStart = (await manager.listTasks({ status: status.PENDING })).length;

  await manager.start();
  await manager.drain();

  const tasks = [];
  for (const item of WORKLOAD) {
    const task = await manager.getTask(ids.get(item.n)!);
    if (!task) throw new Error(`task ${item.n} vanished`);
    const { type, data, priority, status: state, result, error } = task;
    tasks.push({ type, data, priority, status: state, result, error });
  }
  const names = (list: LegacyTaskView[]) =>
    list.map((task) => `${task.type}#${(task.data as { n: number }).n}`);
  const observation: WorkloadObservation = {
    cancelledFirst,
    cancelledAgain,
    tasks,
    failed: names(await manager.listTasks({ status: status.FAILED })),
    cancelled: names(await manager.listTasks({ status: status.CANCELLED })),
    pendingBeforeStart,
    stats: await manager.stats(),
  };
  await manager.stop();
  return observation;
}
