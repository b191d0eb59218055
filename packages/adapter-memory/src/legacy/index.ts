/** The legacy `TaskQueueManager` migration path (API.md §13). */
export { LEGACY_DEPRECATION_CODE } from './deprecation.js';
export {
  LEGACY_STATUS_OF_STATE,
  type LegacyQueueStats,
  type LegacyTask,
  LegacyTaskStatus,
  toSwitchyardPriority,
} from './legacy-mapping.js';
export {
  createTaskQueueManager,
  type LegacyTaskHandler,
  type TaskQueueManager,
  type TaskQueueManagerOptions,
} from './task-queue-manager.js';
