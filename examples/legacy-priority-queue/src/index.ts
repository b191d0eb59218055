export { PriorityHeap } from './priority-heap.ts';
export { type AddTaskOptions, TaskQueueManager, type TaskQueueManagerOptions } from './task-queue-manager.ts';
export {
  type QueueStats,
  type Task,
  type TaskHandlerFn,
  TaskPriority,
  TaskStatus,
  TaskType,
} from './task-types.ts';
