/** Helpers of the flow groups: a worker running `flowHandler`, run counters, a stalling adapter. */
import type { FlowRecord, JobContext, QueueAdapter, Switchyard, Worker } from '@switchyard/core';
import { expect } from 'vitest';
import type { SpawnedChild } from './children.js';
import { flowHandler } from './flow-handler.js';
import type { ScopedWorkerOptions, TestScope } from './harness.js';
import { flowRetryTask, flowTask } from './tasks.js';

/** Every step handler run seen in this process: op, job id, attempt. */
export class StepRuns {
  readonly runs: { op: string; jobId: string; attempt: number; at: number }[] = [];
  /** When each run's handler returned. */
  readonly ends: { op: string; jobId: string; at: number }[] = [];

  readonly listener = (op: string, ctx: JobContext, phase: 'start' | 'end') => {
    if (phase === 'start') this.runs.push({ op, jobId: ctx.job.id, attempt: ctx.attempt, at: Date.now() });
    else this.ends.push({ op, jobId: ctx.job.id, at: Date.now() });
  };

  /** How many times the handler ran for `jobId`. */
  of(jobId: string): number {
    return this.runs.filter((run) => run.jobId === jobId).length;
  }

  /** How many runs had op `op`. */
  withOp(op: string): number {
    return this.runs.filter((run) => run.op === op).length;
  }
}

/** A started worker on queue `flows` running `flowHandler` for both flow tasks. */
export function flowWorker(
  scope: TestScope,
  yard: Switchyard,
  runs: StepRuns,
  options: ScopedWorkerOptions = {},
): Promise<Worker> {
  const handler = flowHandler(yard, runs.listener);
  return scope.worker(yard, {
    queues: [flowTask.queue],
    handlers: [
      [flowTask, handler],
      [flowRetryTask, handler],
    ],
    ...options,
  });
}

/** Waits for the flow to end, within `timeoutMs`. */
export function waitForFlow(yard: Switchyard, id: string, timeoutMs: number): Promise<FlowRecord> {
  return yard.flows.waitFor(id, { timeout: timeoutMs, pollInterval: 25 });
}

/** The flow's step at `path`, failing the test when there is none. */
export function stepAt(flow: FlowRecord, path: string) {
  const found = flow.steps.find((step) => step.path === path);
  expect(found, `flow step ${path}`).toBeDefined();
  return found!;
}

/** `op` as a step's metadata. */
export function op(name: string, extra: { input?: 'payload' | 'none' | { key: string } } = {}) {
  return { metadata: { op: name }, ...extra };
}

/**
 * `adapter`, except that its `enqueue` reports the ids and waits on `release` before
 * failing: a flow advancing through it stalls after the step recorded its outcome.
 */
export function stallingEnqueue(
  adapter: QueueAdapter,
  release: Promise<void>,
  onStall: (ids: string[]) => void,
): QueueAdapter {
  return new Proxy(adapter, {
    get(target, property) {
      if (property === 'enqueue') {
        return async (jobs: { id: string }[]) => {
          onStall(jobs.map((job) => job.id));
          await release;
          throw new Error('the stalled enqueue was released at the end of the test');
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Runs `wait`; when it fails, the error also shows what the children printed and the flow's steps. */
export async function explainingChildren<T>(
  children: SpawnedChild[],
  yard: Switchyard,
  flowId: string,
  wait: () => Promise<T>,
): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    const flow = await yard.flows.get(flowId).catch(() => null);
    const steps = flow?.steps.map(
      (entry) => `${entry.path} ${entry.state} attempt ${entry.job?.attempt ?? '-'}`,
    );
    const output = children.map(
      (child, index) =>
        `child ${index} stdout:\n${child.lines().join('\n')}\nchild ${index} stderr:\n${child.stderr()}`,
    );
    throw new Error(`${(error as Error).message}\nsteps: ${JSON.stringify(steps)}\n${output.join('\n')}`, {
      cause: error,
    });
  }
}
