import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AttemptHooks, runAttempt } from '../src/attempt.js';
import { BackendHealth } from '../src/backend-health.js';
import { ManualClock } from '../src/clock.js';
import {
  JobTimeoutError,
  LeaseExpiredError,
  MalformedJobError,
  NonRetryableError,
  ValidationError,
} from '../src/errors.js';
import { EventHub } from '../src/events.js';
import type { YardRuntime } from '../src/runtime.js';
import { defineTask, type TaskDefinition } from '../src/task.js';
import {
  type AttemptSpan,
  errorLabel,
  guardTelemetry,
  type JobTracer,
  type MetricsRecorder,
  noopMetrics,
  noopTracer,
} from '../src/telemetry.js';
import { recordingLease } from './lease-recorder.js';

/** A logger that keeps every error line. */
function errorLog() {
  const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
  return { lines, error: (obj: object, msg?: string) => lines.push({ obj: obj as never, msg }) };
}

function harness(tasks: TaskDefinition[], telemetry: { metrics?: MetricsRecorder; tracer?: JobTracer }) {
  const log = errorLog();
  const guarded = guardTelemetry(telemetry, log);
  const clock = new ManualClock(1000);
  const runtime: YardRuntime = {
    adapter: {} as YardRuntime['adapter'],
    tasks: new Map(tasks.map((task) => [task.name, task])),
    logger: { debug() {}, info() {}, warn() {}, error: log.error },
    clock,
    random: () => 0.5,
    ...guarded,
    events: new EventHub((error) => {
      throw error;
    }),
    enqueueScheduleTick: async () => true,
    enqueueSettled: () => undefined,
    assertOpen: () => {},
    health: new BackendHealth('test', { debug() {}, info() {}, warn() {}, error: log.error }, clock),
    backendTimeoutMs: 10_000,
  };
  const hooks: AttemptHooks = {
    runtime,
    handlerFor: (name) => runtime.tasks.get(name)?.handler as never,
    track: () => {},
    untrack: () => {},
    detach: () => {},
    reportError: () => {},
    watchIntervalMs: 10_000,
    settling: () => {},
    settlementsInFlight: () => undefined,
    telemetryScope: { adapter: 'test', worker: 'worker-1' },
    health: runtime.health,
    // The in-process path: outcomes stored as they are (settle-retry.test.ts covers outages).
    persist: (first) => first,
  };
  return { hooks, log, guarded };
}

const schema = z.object({ n: z.number() });

describe('errorLabel', () => {
  it.each([
    [new JobTimeoutError(5), 'JobTimeoutError'],
    [new NonRetryableError('no'), 'NonRetryableError'],
    [new LeaseExpiredError(), 'LeaseExpiredError'],
    [new MalformedJobError('bad'), 'MalformedJobError'],
    [new ValidationError('bad'), 'ValidationError'],
    [new (class PaymentDeclined extends NonRetryableError {})('declined'), 'NonRetryableError'],
    [new TypeError('x'), 'Error'],
    [Object.assign(new Error('x'), { name: 'Whatever' }), 'Error'],
    ['a string', 'Error'],
    [undefined, 'Error'],
  ])('%s → %s', (error, label) => {
    expect(errorLabel(error)).toBe(label);
  });
});

describe('guardTelemetry', () => {
  it('keeps the no-op defaults as they are, so the hot path stays free', () => {
    expect(guardTelemetry(undefined, errorLog())).toEqual({ metrics: noopMetrics, tracer: noopTracer });
    const guarded = guardTelemetry({ metrics: noopMetrics, tracer: noopTracer }, errorLog());
    expect(guarded.metrics).toBe(noopMetrics);
    expect(guarded.tracer).toBe(noopTracer);
  });

  it('a recorder that throws never breaks the job, and each method is logged once', async () => {
    const throwing: MetricsRecorder = {
      increment() {
        throw new Error('increment broke');
      },
      observe() {
        throw new Error('observe broke');
      },
      setWorkerGauge() {
        throw new Error('gauge broke');
      },
    };
    const task = defineTask({ name: 't', schema, handler: ({ n }) => n * 2 });
    const { hooks, log } = harness([task], { metrics: throwing });
    for (let i = 0; i < 3; i++) {
      const lease = recordingLease({ task: 't', payload: { n: i } });
      await runAttempt(lease, hooks);
      expect(lease.calls).toEqual([{ kind: 'complete', result: i * 2 }]);
    }
    expect(log.lines.map((line) => line.obj.telemetry)).toEqual(['metrics.observe', 'metrics.increment']);
    expect(log.lines[0]!.msg).toMatch(/logged once/);
    expect((log.lines[0]!.obj.err as Error).message).toBe('observe broke');
  });

  it('a label value that is not a string is recorded as "unknown" and reported once', () => {
    const seen: unknown[] = [];
    const log = errorLog();
    const { metrics } = guardTelemetry(
      {
        metrics: {
          increment: (_name, labels) => seen.push(labels),
          observe() {},
          setWorkerGauge() {},
        },
      },
      log,
    );
    metrics.increment('jobs_failed_total', {
      queue: 'q',
      task: undefined as never,
      error: 'MalformedJobError',
    });
    metrics.increment('jobs_failed_total', { queue: 7 as never, task: 't' });
    expect(seen).toEqual([
      { queue: 'q', task: 'unknown', error: 'MalformedJobError' },
      { queue: '7', task: 't' },
    ]);
    expect(log.lines).toHaveLength(1);
    expect((log.lines[0]!.obj.err as Error).message).toBe(
      'metric label "task" is undefined, not a string; recorded as "unknown"',
    );
  });

  it('a tracer whose startAttempt throws: the handler runs once, without a span', async () => {
    let runs = 0;
    const task = defineTask({ name: 't', schema, handler: () => ++runs });
    const tracer: JobTracer = {
      startEnqueue: () => ({ metadata: {}, end() {} }),
      startAttempt() {
        throw new Error('no provider');
      },
    };
    const { hooks, log } = harness([task], { tracer });
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    await runAttempt(lease, hooks);
    await runAttempt(recordingLease({ task: 't', payload: { n: 2 } }), hooks);
    expect(lease.calls).toEqual([{ kind: 'complete', result: 1 }]);
    expect(runs).toBe(2);
    expect(log.lines.map((line) => line.obj.telemetry)).toEqual(['tracer.startAttempt']);
  });

  it.each([
    ['before calling the handler', 'before'],
    ['after the handler returned', 'after'],
  ] as const)('a span whose run() throws %s: the handler runs exactly once', async (_title, when) => {
    let runs = 0;
    const task = defineTask({ name: 't', schema, handler: () => ++runs });
    const span: AttemptSpan = {
      end() {
        throw new Error('end broke');
      },
      run(fn) {
        if (when === 'before') throw new Error('context broke');
        fn();
        throw new Error('context restore broke');
      },
    };
    const tracer: JobTracer = { startEnqueue: () => ({ metadata: {}, end() {} }), startAttempt: () => span };
    const { hooks, log } = harness([task], { tracer });
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    await runAttempt(lease, hooks);
    expect(runs).toBe(1);
    expect(lease.calls).toEqual([{ kind: 'complete', result: 1 }]);
    expect(log.lines.map((line) => line.obj.telemetry)).toEqual([
      'the attempt span run()',
      'the attempt span end()',
    ]);
  });

  it("the handler's own error passes through a span's run() untouched", async () => {
    const task = defineTask({
      name: 't',
      schema,
      retry: { attempts: 1 },
      handler: () => {
        throw new NonRetryableError('declined');
      },
    });
    const outcomes: unknown[] = [];
    const tracer: JobTracer = {
      startEnqueue: () => ({ metadata: {}, end() {} }),
      startAttempt: () => ({ run: (fn) => fn(), end: (outcome, error) => outcomes.push([outcome, error]) }),
    };
    const { hooks, log } = harness([task], { tracer });
    const lease = recordingLease({ task: 't', payload: { n: 1 } });
    await runAttempt(lease, hooks);
    expect(lease.calls).toMatchObject([
      { kind: 'fail', error: { name: 'NonRetryableError', message: 'declined' } },
    ]);
    expect(outcomes).toMatchObject([['failed', { message: 'declined' }]]);
    expect(log.lines.filter((line) => line.obj.telemetry !== undefined)).toEqual([]);
  });

  it('a redelivered job counts as stalled; a failure carries the bounded error label', async () => {
    const calls: unknown[] = [];
    const metrics: MetricsRecorder = {
      increment: (name, labels) => calls.push([name, labels]),
      observe() {},
      setWorkerGauge() {},
    };
    const task = defineTask({
      name: 't',
      schema,
      retry: { attempts: 1 },
      handler: () => {
        throw new TypeError('boom');
      },
    });
    const { hooks } = harness([task], { metrics });
    await runAttempt(
      recordingLease({ task: 't', payload: { n: 1 }, maxAttempts: 1 }, { redelivered: true }),
      hooks,
    );
    expect(calls).toEqual([
      ['jobs_stalled_total', { queue: 'default', task: 't' }],
      ['jobs_failed_total', { queue: 'default', task: 't', error: 'Error' }],
    ]);
  });

  it('tracer metadata that is not a string map is dropped and reported, never stored', () => {
    const log = errorLog();
    const { tracer } = guardTelemetry(
      {
        tracer: {
          startEnqueue: () => ({ metadata: { traceparent: '00-x', bad: 42 as never }, end() {} }),
          startAttempt: () => ({ run: (fn) => fn(), end() {} }),
        },
      },
      log,
    );
    const span = tracer.startEnqueue({} as never, { adapter: 'test' });
    expect(span.metadata).toEqual({ traceparent: '00-x' });
    expect(log.lines.map((line) => line.obj.telemetry)).toEqual(['the enqueue span metadata']);
  });

  it('a span the tracer hands to every job of a batch is checked once and still ended per job', () => {
    const log = errorLog();
    let ends = 0;
    const shared = { metadata: { traceparent: '00-x', bad: 42 as never }, end: () => ends++ };
    const { tracer } = guardTelemetry(
      {
        tracer: {
          startEnqueue: () => shared,
          startEnqueueBatch: (jobs) => ({ jobs: jobs.map(() => shared), end() {} }),
          startAttempt: () => ({ run: (fn) => fn(), end() {} }),
        },
      },
      log,
    );
    const batch = tracer.startEnqueueBatch!([{}, {}, {}] as never[], { adapter: 'test' })!;
    const single = tracer.startEnqueue({} as never, { adapter: 'test' });
    expect(new Set([...batch.jobs, single]).size).toBe(1);
    expect(single.metadata).toEqual({ traceparent: '00-x' });
    for (const span of [...batch.jobs, single]) span.end();
    expect(ends).toBe(4);
    expect(log.lines.map((line) => line.obj.telemetry)).toEqual(['the enqueue span metadata']);
  });

  it('a batch hook that throws or miscounts falls back to one span per job', () => {
    const log = errorLog();
    const ended: unknown[] = [];
    const make = (jobs: number) =>
      guardTelemetry(
        {
          tracer: {
            startEnqueue: () => ({ metadata: {}, end() {} }),
            startEnqueueBatch: () => {
              if (jobs < 0) throw new Error('batch broke');
              return {
                jobs: Array.from({ length: jobs }, () => ({ metadata: {}, end() {} })),
                end: (error?: unknown) => ended.push(error),
              };
            },
            startAttempt: () => ({ run: (fn) => fn(), end() {} }),
          },
        },
        log,
      ).tracer;
    const jobs = [{}, {}] as never[];
    expect(make(-1).startEnqueueBatch!(jobs, { adapter: 'test' })).toBeUndefined();
    expect(make(1).startEnqueueBatch!(jobs, { adapter: 'test' })).toBeUndefined();
    expect(ended).toHaveLength(1);
    expect(make(2).startEnqueueBatch!(jobs, { adapter: 'test' })?.jobs).toHaveLength(2);
    expect(log.lines.map((line) => (line.obj.err as Error).message)).toEqual([
      'batch broke',
      'startEnqueueBatch returned 1 spans for 2 jobs; one span per job is used instead',
    ]);
  });
});
