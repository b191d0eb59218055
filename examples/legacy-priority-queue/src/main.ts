/** The legacy queue in use: `node src/main.ts`. */
import { TaskQueueManager } from './task-queue-manager.ts';
import { TaskPriority, TaskStatus, TaskType } from './task-types.ts';

const manager = new TaskQueueManager({
  concurrency: 1,
  handlers: {
    [TaskType.SEND_EMAIL]: async (data: { to: string }) => ({ sent: data.to }),
    [TaskType.GENERATE_REPORT]: async (data: { period: string }) => ({ rows: data.period.length * 10 }),
    [TaskType.RESIZE_IMAGE]: async () => {
      throw new Error('image store unreachable');
    },
  },
});

const report = await manager.addTask(
  TaskType.GENERATE_REPORT,
  { period: 'daily' },
  { priority: TaskPriority.LOW },
);
await manager.addTask(TaskType.SEND_EMAIL, { to: 'ada@example.com' }, { priority: TaskPriority.HIGH });
await manager.addTask(TaskType.RESIZE_IMAGE, { image: 'cat.png' });
const stale = await manager.addTask(
  TaskType.SEND_EMAIL,
  { to: 'old@example.com' },
  { priority: TaskPriority.BACKGROUND },
);
await manager.cancelTask(stale);

await manager.start();
await manager.drain();

for (const task of await manager.listTasks()) {
  console.log(
    `${task.id}  ${task.type.padEnd(16)} p${task.priority}  ${task.status.padEnd(9)} ${task.error ?? JSON.stringify(task.result ?? null)}`,
  );
}
console.log(
  'failed:',
  (await manager.listTasks({ status: TaskStatus.FAILED })).map((task) => task.id),
);
console.log('stats:', await manager.stats());
console.log('report:', (await manager.getTask(report))?.result);
await manager.stop();
