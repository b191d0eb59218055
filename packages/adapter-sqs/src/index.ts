/** @switchyard/adapter-sqs: Amazon SQS for delivery plus a pluggable job-state store. */
export { type SqsQueueAdapter, sqsAdapter } from './adapter.js';
export { SQS_MAX_MESSAGE_BYTES, type SqsAdapterOptions } from './options.js';
export { priorityBand, sqsQueueName } from './queues.js';
export { memoryStore } from './store/memory-store.js';
export { type RedisStoreOptions, redisStore } from './store/redis-store.js';
export type {
  InsertResult,
  JobIndex,
  JobIndexFields,
  JobStateStore,
  JobWrite,
  StoredJob,
} from './store/types.js';
