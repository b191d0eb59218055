export type {
  AdapterCapabilities,
  AdapterEnqueueOptions,
  AdapterStartContext,
  ConsumeOptions,
  Consumer,
  JobStore,
  Lease,
  ListJobsQueryV1,
  QueueAdapter,
  QueueAdapterV1,
  QueueAdapterV2,
  QueueControl,
  ScheduleStore,
  ThrottleAnswer,
  ThrottleRequest,
  ThrottleStore,
} from './adapter.js';
export { ATTEMPT_FINISHED, LATEST_SPEC_VERSION } from './adapter.js';
export type {
  EnqueueOptions,
  EnqueueResult,
  EnqueueRetryOptions,
  EventSource,
  ScheduleInput,
  Switchyard,
  SwitchyardEvents,
  SwitchyardOptions,
  TaskCatalog,
  Worker,
  WorkerOptions,
  YardJobs,
  YardQueues,
  YardSchedules,
  YardStats,
  YardWorkers,
} from './api.js';
export { callBackend, isConnectionError } from './backend-call.js';
export {
  BULK_ACTION_STATES,
  type BulkOptions,
  type BulkProgress,
  type CleanOptions,
} from './bulk.js';
export { type Clock, ManualClock, systemClock, type TimerHandle } from './clock.js';
export { assertValidCron, nextCronTick, nextScheduleTick } from './cron.js';
export { type Duration, parseDuration, parseOptionalDuration } from './duration.js';
export * from './errors.js';
export type { ClusterEventListener, SubscribeOptions } from './event-subscriptions.js';
export type { SpoolStatus } from './fallback.js';
export { type FallbackSpool, type SpooledJob, type SpoolOptions, spool } from './fallback-spool.js';
export type { YardFlows } from './flow-api.js';
export {
  chain,
  chord,
  type FlowCancelOutcome,
  type FlowChain,
  type FlowChord,
  type FlowGroup,
  type FlowNode,
  type FlowOptions,
  type FlowOutcome,
  type FlowRecord,
  type FlowState,
  type FlowStep,
  type FlowStepInfo,
  group,
  type StepInput,
  type StepOptions,
  step,
} from './flow-definition.js';
export { FLOW_ID_KEY, FLOW_RECORD_QUEUE, FLOW_RECORD_TASK, FLOW_STEP_KEY } from './flow-spec.js';
export {
  checkForeignJobsOption,
  type ForeignJob,
  type ForeignJobMapping,
  type ForeignJobOrigin,
  mapForeignJob,
} from './foreign-job.js';
export {
  addCell,
  bucketStart,
  DURATION_BUCKETS_MS,
  durationBucket,
  emptyDurations,
  type HistoryPoint,
  type HistoryQuery,
  type HistoryResult,
  MAX_HISTORY_POINTS,
  quantileFromBuckets,
} from './history.js';
export { flowStepJobId, isUuid, newJobId, scheduleTickJobId } from './ids.js';
export {
  type BackoffSpec,
  type CancelOutcome,
  type DateInput,
  type EnqueueOutcome,
  type JitterMode,
  JOB_STATES,
  type JobCounts,
  type JobFilter,
  type JobPage,
  type JobRecord,
  type JobState,
  type ListJobsQuery,
  type NewJob,
  type NormalizedListQuery,
  type ScheduleRecord,
  TERMINAL_STATES,
} from './job.js';
export {
  type ClusterEvent,
  type GapEvent,
  JOB_EVENT_TYPES,
  type JobEvent,
  type JobEventType,
} from './job-events.js';
export {
  checkPageSize,
  DEFAULT_PAGE_SIZE,
  type FilterableJob,
  jobMatchesFilter,
  jsonEqual,
  LIST_SCAN_LIMIT,
  MAX_PAGE_SIZE,
  normalizeListQuery,
} from './job-filter.js';
export { assertJson, assertPayloadSize, DEFAULT_MAX_PAYLOAD_BYTES, jsonByteLength } from './json.js';
export { childLogger, type Logger, silentLogger } from './logger.js';
export type {
  BulkAction,
  BulkOutcome,
  EventBus,
  EventBusHandler,
  EventBusSubscription,
  HistoryBucket,
  HistoryCell,
  HistoryReadQuery,
  HistoryStore,
  JobStoreOperations,
  QueueSnapshot,
  StatsStore,
  WorkerRegistry,
} from './operations-contract.js';
export {
  type BackoffFunction,
  type BackoffOption,
  backoffDelay,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF,
  decideRetry,
  normalizeAttempts,
  normalizeBackoff,
  type RetryDecision,
  type RetryOptions,
} from './retry.js';
export type { ShutdownSignal } from './shutdown-signal.js';
export type { SpoolConflict } from './spool-relay.js';
export { canTransition, checkSequence, explainIllegalTransition, JOB_TRANSITIONS } from './state-machine.js';
export type { QueueSummary, StatsSummary } from './stats-summary.js';
export { assertStoredRecord, storedRecordProblems } from './stored-record.js';
export {
  defineTask,
  type FailureInfo,
  type JobContext,
  type TaskDefinition,
  type TaskHandler,
  type TaskInput,
  type TaskOptions,
  type TaskResult,
} from './task.js';
export { describeTask, payloadJsonSchema, type TaskInfo } from './task-catalog.js';
export {
  type AttemptOutcome,
  type AttemptSpan,
  type EnqueueBatchSpan,
  type EnqueueSpan,
  errorLabel,
  type JobCounterName,
  type JobLabels,
  type JobTracer,
  type MetricsRecorder,
  noopMetrics,
  noopTracer,
  type TelemetryScope,
  type WorkerGaugeValues,
  type WorkerLabels,
} from './telemetry.js';
export {
  parseRateLimit,
  queueRateKey,
  type RateLimit,
  type RateWindow,
  slotKey,
  taskRateKey,
} from './throttle.js';
export { type InProcessThrottleCounters, inProcessThrottleCounters } from './throttle-counters.js';
export { validateWithSchema } from './validation.js';
export { SWITCHYARD_VERSION } from './version.js';
export type { WorkerInfo } from './worker-presence.js';
export { createSwitchyard } from './yard.js';
