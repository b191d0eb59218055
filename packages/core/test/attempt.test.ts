import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ATTEMPT_FINISHED } from '../src/adapter.js';
import { type ActiveAttempt, type AttemptHooks, runAttempt } from '../src/attempt.js';
import { BackendHealth } from '../src/backend-health.js';
import { ManualClock } from '../src/clock.js';
import { NonRetryableError, RetryAfterError } from '../src/errors.js';
import { EventHub } from '../src/events.js';
import { silentLogger } from '../src/logger.js';
import type { YardRuntime } from '../src/runtime.js';
import { defineTask, type TaskDefinition } from '../src/task.js';
import { noopMetrics, noopTracer } from '../src/telemetry.js';
import { recordingLease } from './lease-recorder.js';

/** `watchAtStart`: behave as if a heartbeat tick came right when each attempt started. */
function harness(tasks: TaskDefinition[], clock = new ManualClock(0), { watchAtStart = true } = {}) {
  const events = new EventHub((error) => {
    throw error;
  });
  const runtime: YardRuntime = {
    adapter: {} as YardRuntime['adapter'],
    tasks: new Map(tasks.map((task) => [task.name, task])),
    logger: silentLogger,
    clock,
    random: () => 0.5,
    metrics: noopMetrics,
    tracer: noopTracer,
    events,
    enqueueScheduleTick: async () => true,
    enqueueSettled: () => undefined,
    assertOpen: () => {},
    health: new BackendHealth('test', silentLogger, clock),
    backendTimeoutMs: 10_000,
  };
  const active = new Set<ActiveAttempt>();
  const detached: Promise<void>[] = [];
  const errors: Error[] = [];
  const hooks: AttemptHooks = {
    runtime,
    handlerFor: (name) => runtime.tasks.get(name)?.handler as never,
    track: (attempt) => {
      active.add(attempt);
      if (watchAtStart) attempt.watch();
    },
    untrack: (attempt) => active.delete(attempt),
    detach: (work) => detached.push(work),
    reportError: (error) => errors.push(error),
    watchIntervalMs: 10_000,
    settling: () => {},
    settlementsInFlight: () => undefined,
    telemetryScope: { adapter: 'test', worker: 'worker-test' },
    health: runtime.health,
    // The in-process path: outcomes stored as they are (settle-retry.test.ts covers outages).
    persist: (first) => first,
  };
  return { hooks, clock, events, active, detached, errors };
}

const schema = z.object({ n: z.number() });

/** A task whose handler runs until the test calls `finish`. */
function taskThatWaitsToFinish() {
  let finish!: () => void;
  const task = defineTask({
    name: 't',
    schema,
    handler: () =>
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
  });
  return { task, finish: () => finish() };
}

describe('runAttempt', () => {
  it('completes with the handler result and validated payload', async () => {
    const task = defineTask({ name: 't', schema, handler: async (payload) => ({ doubled: payload.n * 2 }) });
    const { hooks } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 21 } });
    await runAttempt(lease, hooks);
    expect(lease.calls).toEqual([{ kind: 'complete', result: { doubled: 42 } }]);
  });

  it('retries with the backoff delay computed from the attempt', async () => {
    const task = defineTask({
      name: 't',
      schema,
      retry: { attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
      handler: async () => {
        throw new Error('boom');
      },
    });
    const { hooks } = harness([task], new ManualClock(10_000));
    const lease = recordingLease({ task: 't', payload: { n: 1 }, attempt: 3, maxAttempts: 5 });
    await runAttempt(lease, hooks);
    const call = lease.calls[0];
    expect(call?.kind).toBe('retry');
    expect(call?.kind === 'retry' && call.at.getTime()).toBe(10_000 + 4000);
    expect(call?.kind === 'retry' && call.error.message).toBe('boom');
  });

  it('fails permanently on the last attempt and runs onFailed once', async () => {
    const onFailed = vi.fn();
    const task = defineTask({
      name: 't',
      schema,
      retry: { attempts: 2 },
      handler: async () => {
        throw new Error('boom');
      },
      onFailed,
    });
    const { hooks, detached } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 }, attempt: 2, maxAttempts: 2 });
    await runAttempt(lease, hooks);
    await Promise.all(detached);
    expect(lease.calls.map((c) => c.kind)).toEqual(['fail']);
    expect(onFailed).toHaveBeenCalledTimes(1);
    expect(onFailed.mock.calls[0]?.[0]).toEqual({ n: 1 });
    expect(onFailed.mock.calls[0]?.[1].error.message).toBe('boom');
  });

  it('keeps the job failed when onFailed throws', async () => {
    const task = defineTask({
      name: 't',
      schema,
      retry: { attempts: 1 },
      handler: () => {
        throw new NonRetryableError('no');
      },
      onFailed: () => {
        throw new Error('hook broke');
      },
    });
    const { hooks, detached } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    await runAttempt(lease, hooks);
    await expect(Promise.all(detached)).resolves.toBeDefined();
    expect(lease.calls.map((c) => c.kind)).toEqual(['fail']);
  });

  it('NonRetryableError fails at once even with attempts left', async () => {
    const task = defineTask({
      name: 't',
      schema,
      handler: () => {
        throw new NonRetryableError('bad card');
      },
    });
    const { hooks } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 }, attempt: 1, maxAttempts: 3 });
    await runAttempt(lease, hooks);
    expect(lease.calls[0]).toMatchObject({
      kind: 'fail',
      error: { code: 'NON_RETRYABLE', message: 'bad card' },
    });
  });

  it('RetryAfterError retries after exactly its delay', async () => {
    const task = defineTask({
      name: 't',
      schema,
      handler: () => {
        throw new RetryAfterError('7s');
      },
    });
    const { hooks } = harness([task], new ManualClock(1000));
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    await runAttempt(lease, hooks);
    expect(lease.calls[0]).toMatchObject({ kind: 'retry', at: new Date(8000) });
  });

  it('a RetryAfterError with a malformed delay fails the job with INVALID_OPTIONS', async () => {
    const task = defineTask({
      name: 't',
      schema,
      handler: () => {
        throw new RetryAfterError('soon-ish');
      },
    });
    const { hooks } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    await runAttempt(lease, hooks);
    expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'INVALID_OPTIONS' } });
  });

  it('a thrown non-Error is stored as HANDLER_ERROR', async () => {
    const task = defineTask({
      name: 't',
      schema,
      retry: { attempts: 1 },
      handler: () => {
        throw 'just a string';
      },
    });
    const { hooks } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 }, maxAttempts: 1 });
    await runAttempt(lease, hooks);
    expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'HANDLER_ERROR' } });
    expect(lease.calls[0]?.kind === 'fail' && lease.calls[0].error.message).toContain('just a string');
  });

  it('a timeout aborts the signal and frees the slot while the handler ignores it', async () => {
    let seenReason: unknown;
    const task = defineTask({
      name: 't',
      schema,
      timeout: '1s',
      retry: { attempts: 1 },
      handler: (_payload, ctx) => {
        ctx.signal.addEventListener('abort', () => {
          seenReason = ctx.signal.reason;
        });
        return new Promise(() => {}); // ignores the signal forever
      },
    });
    const { hooks, clock, active } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 }, maxAttempts: 1 });
    const done = runAttempt(lease, hooks);
    await vi.waitFor(() => expect(active.size).toBe(1));
    await clock.advance(999);
    expect(lease.calls).toEqual([]);
    await clock.advance(1);
    await done;
    expect(active.size).toBe(0);
    expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'JOB_TIMEOUT' } });
    expect((seenReason as { code?: string }).code).toBe('JOB_TIMEOUT');
  });

  it('a cancel aborts the signal with JOB_CANCELLED and marks the job cancelled when the handler settles', async () => {
    let release!: () => void;
    const task = defineTask({
      name: 't',
      schema,
      handler: (_payload, ctx) =>
        new Promise<void>((resolve, reject) => {
          release = resolve;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    });
    const { hooks, active } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    const done = runAttempt(lease, hooks);
    await vi.waitFor(() => expect(active.size).toBe(1));
    lease.requestCancel();
    await done;
    expect(release).toBeTypeOf('function');
    expect(lease.calls).toEqual([{ kind: 'cancelled' }]);
  });

  it('a lost lease frees the slot without settling the job', async () => {
    const task = defineTask({ name: 't', schema, handler: () => new Promise(() => {}) });
    const { hooks, active } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    const done = runAttempt(lease, hooks);
    await vi.waitFor(() => expect(active.size).toBe(1));
    lease.loseLease();
    await done;
    expect(active.size).toBe(0);
    expect(lease.calls).toEqual([]);
  });

  it('a redelivery past the attempt budget fails with LEASE_EXPIRED without running the handler', async () => {
    const handler = vi.fn();
    const task = defineTask({ name: 't', schema, retry: { attempts: 2 }, handler });
    const { hooks } = harness([task]);
    const lease = recordingLease(
      { task: 't', payload: { n: 1 }, attempt: 3, maxAttempts: 2 },
      { redelivered: true },
    );
    await runAttempt(lease, hooks);
    expect(handler).not.toHaveBeenCalled();
    expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'LEASE_EXPIRED' } });
  });

  it('an invalid stored payload fails permanently with VALIDATION_FAILED', async () => {
    const handler = vi.fn();
    const task = defineTask({ name: 't', schema, handler });
    const { hooks } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 'not a number' }, attempt: 1, maxAttempts: 3 });
    await runAttempt(lease, hooks);
    expect(handler).not.toHaveBeenCalled();
    expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'VALIDATION_FAILED' } });
  });

  it('a malformed record fails with its error and is reported', async () => {
    const { hooks, errors } = harness([]);
    const { MalformedJobError } = await import('../src/errors.js');
    const lease = recordingLease({ task: '?' }, { malformed: new MalformedJobError('garbage in data') });
    await runAttempt(lease, hooks);
    expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'MALFORMED_JOB' } });
    expect(errors).toHaveLength(1);
  });

  it.each([
    ['a priority out of range', { priority: 42 }, 'priority is not an integer 0..9'],
    [
      'metadata that is not strings',
      { metadata: { tenant: 7 } as never },
      'metadata is not an object of strings',
    ],
    ['a negative attempt', { attempt: -3 }, 'attempt is not an integer ≥ 0'],
  ])(
    'a record the adapter let through with %s fails MALFORMED_JOB naming it; no handler runs',
    async (_what, change, problem) => {
      const handler = vi.fn();
      const task = defineTask({ name: 't', schema, handler });
      const { hooks, errors } = harness([task]);
      const lease = recordingLease({ task: 't', payload: { n: 1 }, ...change });
      await runAttempt(lease, hooks);
      expect(handler).not.toHaveBeenCalled();
      expect(lease.calls).toEqual([
        {
          kind: 'fail',
          error: expect.objectContaining({
            code: 'MALFORMED_JOB',
            message: `test: stored job job-1 is malformed: ${problem}`,
          }),
        },
      ]);
      expect(errors.map((error) => error.message)).toEqual([
        `test: stored job job-1 is malformed: ${problem}`,
      ]);
    },
  );

  it('an unknown task fails with UNKNOWN_TASK', async () => {
    const { hooks } = harness([]);
    const lease = recordingLease({ task: 'nobody-knows' });
    await runAttempt(lease, hooks);
    expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'UNKNOWN_TASK' } });
  });

  it('a non-JSON result fails the job instead of storing garbage', async () => {
    const task = defineTask({ name: 't', schema, handler: async () => ({ when: new Date() }) });
    const { hooks } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    await runAttempt(lease, hooks);
    expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'VALIDATION_FAILED' } });
  });

  it('a forced release gives the lease back', async () => {
    const task = defineTask({ name: 't', schema, handler: () => new Promise(() => {}) });
    const { hooks, active } = harness([task]);
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    const done = runAttempt(lease, hooks);
    await vi.waitFor(() => expect(active.size).toBe(1));
    for (const attempt of active) attempt.release();
    await done;
    expect(lease.calls).toEqual([{ kind: 'release' }]);
  });

  it('progress is stored and emitted', async () => {
    const task = defineTask({
      name: 't',
      schema,
      handler: async (_payload, { progress }) => {
        await progress(50); // destructured: must not depend on `this`
      },
    });
    const { hooks, events } = harness([task]);
    const seen: unknown[] = [];
    events.on('job:progress', ({ progress }) => seen.push(progress));
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    await runAttempt(lease, hooks);
    expect(lease.progressValues).toEqual([50]);
    expect(seen).toEqual([50]);
  });

  describe('waiting for earlier settlements (cross-job order of local events)', () => {
    /** Hooks whose earlier settlements never end: an attempt that waits for them never runs. */
    function withSettlementsPending() {
      const ran: number[] = [];
      const task = defineTask({ name: 't', schema, handler: (payload) => void ran.push(payload.n) });
      const setup = harness([task]);
      setup.hooks.settlementsInFlight = () => new Promise(() => {});
      return { ...setup, ran };
    }

    it('a local job:started listener makes the next job wait for them', async () => {
      const { hooks, events, ran } = withSettlementsPending();
      events.on('job:started', () => {});
      void runAttempt(recordingLease({ task: 't', payload: { n: 1 } }), hooks);
      await new Promise((resolve) => setImmediate(resolve));
      expect(ran).toEqual([]);
    });

    it('a tap (cluster publishing, history) needs only per-job order: the job runs at once', async () => {
      const { hooks, events, ran } = withSettlementsPending();
      const tapped: string[] = [];
      events.tap({ enabled: () => true, listener: (name) => void tapped.push(name) });
      expect(events.has('job:started')).toBe(true);
      expect(events.listens('job:started')).toBe(false);
      const lease = recordingLease({ task: 't', payload: { n: 1 } });
      await runAttempt(lease, hooks);
      expect(ran).toEqual([1]);
      expect(lease.calls).toEqual([{ kind: 'complete', result: undefined }]);
      expect(tapped).toEqual(['job:started', 'job:completed']);
    });

    it('a listener on a hub the events are forwarded to counts as local', () => {
      const { events } = withSettlementsPending();
      const yardHub = new EventHub(() => {});
      events.forward(yardHub);
      expect(events.listens('job:started')).toBe(false);
      yardHub.on('job:started', () => {});
      expect(events.listens('job:started')).toBe(true);
    });
  });

  describe('a synchronous handler on a lease with completeNow', () => {
    /** A recording lease whose `complete` can be done synchronously, as an in-process adapter offers. */
    function syncLease(job: Parameters<typeof recordingLease>[0]) {
      const lease = recordingLease(job);
      const completeNow = vi.fn((result: unknown) => {
        lease.calls.push({ kind: 'complete', result });
      });
      return Object.assign(lease, { completeNow });
    }

    it('completes before runAttempt returns and returns ATTEMPT_FINISHED', () => {
      const task = defineTask({ name: 't', schema, handler: (payload) => payload.n * 2 });
      const { hooks, active } = harness([task]);
      const lease = syncLease({ task: 't', payload: { n: 21 } });
      expect(runAttempt(lease, hooks)).toBe(ATTEMPT_FINISHED);
      expect(lease.calls).toEqual([{ kind: 'complete', result: 42 }]);
      expect(lease.completeNow).toHaveBeenCalledTimes(1);
      expect(active.size).toBe(0);
    });

    it('announces job:completed right after, with the result', () => {
      const task = defineTask({ name: 't', schema, handler: () => 'done' });
      const { hooks, events } = harness([task]);
      const seen: unknown[] = [];
      events.on('job:completed', ({ job, result }) => seen.push([job.state, result]));
      expect(runAttempt(syncLease({ task: 't', payload: { n: 1 } }), hooks)).toBe(ATTEMPT_FINISHED);
      expect(seen).toEqual([['completed', 'done']]);
    });

    it('an async handler still settles through the promise', async () => {
      const task = defineTask({ name: 't', schema, handler: async () => 'later' });
      const { hooks } = harness([task]);
      const lease = syncLease({ task: 't', payload: { n: 1 } });
      const done = runAttempt(lease, hooks);
      expect(done).not.toBe(ATTEMPT_FINISHED);
      await done;
      expect(lease.calls).toEqual([{ kind: 'complete', result: 'later' }]);
    });

    it('a synchronous throw retries through the lease as before', async () => {
      const task = defineTask({
        name: 't',
        schema,
        retry: { attempts: 3 },
        handler: () => {
          throw new Error('boom');
        },
      });
      const { hooks } = harness([task]);
      const lease = syncLease({ task: 't', payload: { n: 1 }, attempt: 1 });
      await runAttempt(lease, hooks);
      expect(lease.calls.map((call) => call.kind)).toEqual(['retry']);
      expect(lease.completeNow).not.toHaveBeenCalled();
    });

    it('a completeNow that throws is reported, and runAttempt still resolves', () => {
      const task = defineTask({ name: 't', schema, handler: () => 'done' });
      const { hooks, errors } = harness([task]);
      const lease = syncLease({ task: 't', payload: { n: 1 } });
      lease.completeNow.mockImplementation(() => {
        throw new Error('store down');
      });
      expect(runAttempt(lease, hooks)).toBe(ATTEMPT_FINISHED);
      expect(errors.map((error) => error.message)).toEqual(['store down']);
    });

    it('reads lease.aborted, when the adapter offers it, instead of creating the signal', () => {
      const task = defineTask({ name: 't', schema, handler: () => 'done' });
      const { hooks } = harness([task], new ManualClock(0), { watchAtStart: false });
      const lease = syncLease({ task: 't', payload: { n: 1 } });
      const signal = vi.fn(() => new AbortController().signal);
      Object.defineProperty(lease, 'signal', { get: signal });
      Object.defineProperty(lease, 'aborted', { value: false });
      expect(runAttempt(lease, hooks)).toBe(ATTEMPT_FINISHED);
      expect(signal).not.toHaveBeenCalled();
      expect(lease.calls).toEqual([{ kind: 'complete', result: 'done' }]);
    });

    it('takes lease.startedAtMs as the start of the attempt (the timeout counts from it)', async () => {
      const task = defineTask({
        name: 't',
        schema,
        timeout: '5s',
        retry: { attempts: 1 },
        handler: () => new Promise(() => {}),
      });
      const { hooks, clock } = harness([task], new ManualClock(10_000));
      const lease = Object.assign(recordingLease({ task: 't', payload: { n: 1 }, maxAttempts: 1 }), {
        startedAtMs: 7_000,
      });
      const done = runAttempt(lease, hooks);
      await clock.advance(1_999);
      expect(lease.calls).toEqual([]);
      await clock.advance(1);
      await done;
      expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'JOB_TIMEOUT' } });
    });

    it('a lease already aborted by a cancel ends cancelled, not completed', async () => {
      const task = defineTask({ name: 't', schema, handler: () => 'done' });
      const { hooks } = harness([task], new ManualClock(0), { watchAtStart: false });
      const lease = syncLease({ task: 't', payload: { n: 1 } });
      lease.requestCancel();
      await runAttempt(lease, hooks);
      expect(lease.calls).toEqual([{ kind: 'cancelled' }]);
    });
  });

  describe('before the first heartbeat tick', () => {
    it('neither listens to the lease nor arms a timer for a job that ends at once', async () => {
      const task = defineTask({ name: 't', schema, timeout: '1m', handler: async () => 'done' });
      const { hooks, clock } = harness([task], new ManualClock(0), { watchAtStart: false });
      const lease = recordingLease({ task: 't', payload: { n: 1 } });
      const listen = vi.spyOn(lease.signal, 'addEventListener');
      await runAttempt(lease, hooks);
      expect(listen).not.toHaveBeenCalled();
      expect(clock.pendingTimers).toBe(0);
      expect(lease.calls).toEqual([{ kind: 'complete', result: 'done' }]);
    });

    it('arms a timeout no longer than one tick at once', async () => {
      const task = defineTask({
        name: 't',
        schema,
        timeout: '5s',
        retry: { attempts: 1 },
        handler: () => new Promise(() => {}),
      });
      const { hooks, clock, active } = harness([task], new ManualClock(0), { watchAtStart: false });
      const lease = recordingLease({ task: 't', payload: { n: 1 }, maxAttempts: 1 });
      const done = runAttempt(lease, hooks);
      await vi.waitFor(() => expect(active.size).toBe(1));
      await clock.advance(5000);
      await done;
      expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'JOB_TIMEOUT' } });
    });

    it('a longer timeout is armed on the first tick for the time that is left', async () => {
      const task = defineTask({
        name: 't',
        schema,
        timeout: '60s',
        retry: { attempts: 1 },
        handler: () => new Promise(() => {}),
      });
      const { hooks, clock, active } = harness([task], new ManualClock(0), { watchAtStart: false });
      const lease = recordingLease({ task: 't', payload: { n: 1 }, maxAttempts: 1 });
      const done = runAttempt(lease, hooks);
      await vi.waitFor(() => expect(active.size).toBe(1));
      expect(clock.pendingTimers).toBe(0);
      await clock.advance(10_000);
      for (const attempt of active) attempt.watch(); // the first tick
      await clock.advance(49_999);
      expect(lease.calls).toEqual([]);
      await clock.advance(1);
      await done;
      expect(lease.calls[0]).toMatchObject({ kind: 'fail', error: { code: 'JOB_TIMEOUT' } });
    });

    it('a cancel requested before the first tick still ends the job cancelled', async () => {
      const { task, finish } = taskThatWaitsToFinish();
      const { hooks, active } = harness([task], new ManualClock(0), { watchAtStart: false });
      const lease = recordingLease({ task: 't', payload: { n: 1 } });
      const done = runAttempt(lease, hooks);
      await vi.waitFor(() => expect(active.size).toBe(1));
      lease.requestCancel();
      finish();
      await done;
      expect(lease.calls).toEqual([{ kind: 'cancelled' }]);
    });

    it('a lease lost before the first tick is not settled', async () => {
      const { task, finish } = taskThatWaitsToFinish();
      const { hooks, active } = harness([task], new ManualClock(0), { watchAtStart: false });
      const lease = recordingLease({ task: 't', payload: { n: 1 } });
      const done = runAttempt(lease, hooks);
      await vi.waitFor(() => expect(active.size).toBe(1));
      lease.loseLease();
      finish();
      await done;
      expect(lease.calls).toEqual([]);
    });

    it('the first tick delivers a cancel to ctx.signal', async () => {
      let seen: unknown;
      const task = defineTask({
        name: 't',
        schema,
        handler: (_payload, ctx) =>
          new Promise<void>((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              seen = ctx.signal.reason;
              reject(ctx.signal.reason);
            });
          }),
      });
      const { hooks, active } = harness([task], new ManualClock(0), { watchAtStart: false });
      const lease = recordingLease({ task: 't', payload: { n: 1 } });
      const done = runAttempt(lease, hooks);
      await vi.waitFor(() => expect(active.size).toBe(1));
      lease.requestCancel();
      expect(seen).toBeUndefined();
      for (const attempt of [...active]) attempt.watch();
      await done;
      expect((seen as { code?: string }).code).toBe('JOB_CANCELLED');
      expect(lease.calls).toEqual([{ kind: 'cancelled' }]);
    });
  });
});
