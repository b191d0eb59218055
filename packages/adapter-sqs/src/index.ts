/** @switchyard/adapter-sqs: Amazon SQS for delivery plus a pluggable job-state store. */
export { type SqsQueueAdapter, sqsAdapter } from './adapter.js';
export type { ForeignJob, ForeignJobMapping, ForeignJobsOption } from './foreign-jobs.js';
export { SQS_MAX_MESSAGE_BYTES, type SqsAdapterOptions } from './options.js';
export { sqsQueueName } from './queues.js';
export { type MemoryStoreOptions, memoryStore } from './store/memory-store.js';
export type {
  HistoryRange,
  JobScan,
  JobScanResult,
  StoredQueueStats,
  StoreOperations,
} from './store/operations-types.js';
export { type RedisStoreOptions, redisStore } from './store/redis-store.js';
export type {
  InsertResult,
  JobIndexFields,
  JobStateStore,
  JobWrite,
  StoredJob,
} from './store/types.js';
