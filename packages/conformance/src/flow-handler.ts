/**
 * The handler of `flowTask` in the flow groups and their child processes. A step says
 * what to do in `metadata.op`:
 * - `inc` / `double`: a number in, that number plus one / times two out;
 * - `sum`: a list of numbers (a group's results) in, their sum out;
 * - `echo`: returns its payload;
 * - `fail`: throws (retried per the task's policy);
 * - `big`: returns a string of `payload` characters;
 * - `sleep`: `{ n, ms }` in, `n` out after `ms`;
 * - `barrier`: `{ n, of }` in, `n` out once `of` steps of the flow with op `barrier` have started
 *   (read with `yard.flows.get`), so members in different processes finish at the same instant;
 * - `block`: waits until the job is cancelled (its signal aborts), then ends.
 */
import type { JobContext, Switchyard } from '@switchyard/core';
import { aborted, sleep } from './wait.js';

/** Called when a step's handler starts (`start`) and when it returns (`end`). */
export type StepRunListener = (op: string, ctx: JobContext, phase: 'start' | 'end') => void;

/** A `flowTask` handler bound to `yard` (for `barrier`); `onRun` sees every run. */
export function flowHandler(yard: Switchyard, onRun: StepRunListener = () => {}) {
  return async (payload: unknown, ctx: JobContext): Promise<unknown> => {
    const op = ctx.job.metadata.op ?? 'echo';
    onRun(op, ctx, 'start');
    const result = await run(yard, op, payload, ctx);
    onRun(op, ctx, 'end');
    return result;
  };
}

async function run(yard: Switchyard, op: string, payload: unknown, ctx: JobContext): Promise<unknown> {
  switch (op) {
    case 'inc':
      return (payload as number) + 1;
    case 'double':
      return (payload as number) * 2;
    case 'sum':
      return (payload as number[]).reduce((total, value) => total + value, 0);
    case 'echo':
      return payload;
    case 'fail':
      throw new Error(`step ${ctx.job.metadata['switchyard.step']} fails on purpose`);
    case 'big':
      return 'x'.repeat(payload as number);
    case 'sleep': {
      const { n, ms } = payload as { n: number; ms: number };
      await sleep(ms);
      return n;
    }
    case 'barrier': {
      const { n, of } = payload as { n: number; of: number };
      await barriersRunning(yard, ctx, of);
      return n;
    }
    case 'block':
      await aborted(ctx.signal);
      return 'stopped';
    default:
      throw new Error(`unknown op "${op}"`);
  }
}

/**
 * Waits until `of` steps of this job's flow with op `barrier` have started. None returns
 * before all started, so they were all running at once; one that looks late may find the
 * others finished already (they saw it running), hence "started", not "running now".
 */
async function barriersRunning(yard: Switchyard, ctx: JobContext, of: number): Promise<void> {
  const flowId = ctx.job.metadata['switchyard.flow']!;
  for (;;) {
    const flow = await yard.flows.get(flowId);
    const started = (flow?.steps ?? []).filter(
      (step) =>
        step.job?.metadata.op === 'barrier' && (step.state === 'running' || step.state === 'completed'),
    );
    if (started.length >= of) return;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    await sleep(10);
  }
}
