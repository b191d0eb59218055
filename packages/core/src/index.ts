export type {
  AdapterCapabilities,
  AdapterEnqueueOptions,
  AdapterStartContext,
  ConsumeOptions,
  Consumer,
  JobStore,
  Lease,
  QueueAdapter,
  QueueControl,
  ScheduleStore,
} from './adapter.js';
export { ATTEMPT_FINISHED } from './adapter.js';
export type {
  EnqueueOptions,
  EnqueueRetryOptions,
  EventSource,
  ScheduleInput,
  Switchyard,
  SwitchyardEvents,
  SwitchyardOptions,
  Worker,
  WorkerOptions,
  YardJobs,
  YardQueues,
  YardSchedules,
} from './api.js';
export { type Clock, ManualClock, systemClock, type TimerHandle } from './clock.js';
export { assertValidCron, nextCronTick, nextScheduleTick } from './cron.js';
export { type Duration, parseDuration, parseOptionalDuration } from './duration.js';
export * from './errors.js';
export { isUuid, newJobId, scheduleTickJobId } from './ids.js';
export {
  type BackoffSpec,
  type CancelOutcome,
  type EnqueueOutcome,
  type JitterMode,
  JOB_STATES,
  type JobCounts,
  type JobPage,
  type JobRecord,
  type JobState,
  type ListJobsQuery,
  type NewJob,
  type ScheduleRecord,
  TERMINAL_STATES,
} from './job.js';
export { assertJson, assertPayloadSize, DEFAULT_MAX_PAYLOAD_BYTES, jsonByteLength } from './json.js';
export { childLogger, type Logger, silentLogger } from './logger.js';
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
export { canTransition, checkSequence, explainIllegalTransition, JOB_TRANSITIONS } from './state-machine.js';
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
export {
  type AttemptOutcome,
  type JobLabels,
  type JobTracer,
  type MetricsRecorder,
  noopMetrics,
  noopTracer,
} from './telemetry.js';
export { validateWithSchema } from './validation.js';
export { createSwitchyard } from './yard.js';
