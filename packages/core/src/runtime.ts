/** What a yard shares with its workers and scheduler. */
import type { QueueAdapter } from './adapter.js';
import type { BackendHealth } from './backend-health.js';
import type { Clock } from './clock.js';
import type { EventPublisher } from './event-publisher.js';
import type { EventHub } from './events.js';
import type { FlowRuntime } from './flow-runtime.js';
import type { ScheduleRecord } from './job.js';
import type { Logger } from './logger.js';
import type { TaskDefinition } from './task.js';
import type { JobTracer, MetricsRecorder } from './telemetry.js';
import type { RateWindow } from './throttle.js';

export interface YardRuntime {
  adapter: QueueAdapter;
  tasks: ReadonlyMap<string, TaskDefinition>;
  logger: Logger;
  clock: Clock;
  random: () => number;
  metrics: MetricsRecorder;
  tracer: JobTracer;
  events: EventHub;
  /** Publishes job events cluster-wide (specVersion 2 adapters, unless turned off). */
  publisher?: EventPublisher;
  /** Enqueues the job of one schedule tick with a deterministic id; false when it already existed. */
  enqueueScheduleTick(schedule: ScheduleRecord, tick: Date): Promise<boolean>;
  /**
   * Resolves once this process's enqueue of `jobId` has announced `job:enqueued`;
   * undefined when no such enqueue is in flight. Keeps local events causally ordered
   * when an adapter delivers a job before its enqueue call returns.
   */
  enqueueSettled(jobId: string): Promise<void> | undefined;
  /** Throws unless the yard is started and not closed. */
  assertOpen(): void;
  /** How flow steps settle (record, advance, replay); absent in runtimes built without a yard. */
  flows?: FlowRuntime;
  /** Whether the backend answers: outages are logged once, workers ride them. */
  health: BackendHealth;
  /** Longest one backend call may wait for an answer (`backendTimeout`). */
  backendTimeoutMs: number;
  /** Rate limits per queue (`queueRateLimits`), validated; absent when none. */
  queueRateLimits?: ReadonlyMap<string, RateWindow>;
}
