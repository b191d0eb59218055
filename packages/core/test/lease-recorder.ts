/** A Lease that records what core asked of it: the contract seen from the adapter's side. */
import type { Lease } from '../src/adapter.js';
import { JobCancelledError, LeaseExpiredError, type SerializedError } from '../src/errors.js';
import type { JobRecord } from '../src/job.js';

export type LeaseCall =
  | { kind: 'complete'; result: unknown }
  | { kind: 'retry'; at: Date; error: SerializedError }
  | { kind: 'fail'; error: SerializedError }
  | { kind: 'cancelled' }
  | { kind: 'release' };

export interface RecordingLease extends Lease {
  calls: LeaseCall[];
  heartbeats: number;
  progressValues: unknown[];
  /** Resolves with the first settle call. */
  settled: Promise<LeaseCall>;
  requestCancel(): void;
  loseLease(): void;
}

export function recordingLease(
  job: Partial<JobRecord> & { task: string },
  extra: Partial<Lease> = {},
): RecordingLease {
  const controller = new AbortController();
  let resolveSettled!: (call: LeaseCall) => void;
  const settled = new Promise<LeaseCall>((resolve) => {
    resolveSettled = resolve;
  });
  const record = (call: LeaseCall) => {
    lease.calls.push(call);
    resolveSettled(call);
  };
  const lease: RecordingLease = {
    job: {
      id: 'job-1',
      queue: 'default',
      payload: {},
      priority: 5,
      createdAt: new Date(0),
      runAt: new Date(0),
      maxAttempts: 3,
      metadata: {},
      state: 'running',
      attempt: 1,
      ...job,
    },
    redelivered: false,
    signal: controller.signal,
    calls: [],
    heartbeats: 0,
    progressValues: [],
    settled,
    heartbeat: async () => {
      lease.heartbeats++;
    },
    progress: async (value) => {
      lease.progressValues.push(value);
    },
    complete: async (result) => record({ kind: 'complete', result }),
    retry: async (at, error) => record({ kind: 'retry', at, error }),
    fail: async (error) => record({ kind: 'fail', error }),
    cancelled: async () => record({ kind: 'cancelled' }),
    release: async () => record({ kind: 'release' }),
    requestCancel: () => controller.abort(new JobCancelledError()),
    loseLease: () => controller.abort(new LeaseExpiredError()),
    ...extra,
  };
  return lease;
}
