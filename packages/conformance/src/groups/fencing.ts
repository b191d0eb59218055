/**
 * Fencing against zombie workers: a worker process frozen with SIGSTOP past its lease,
 * whose jobs were redelivered and finished elsewhere, wakes up (SIGCONT) and tries to
 * complete, fail, retry, release and record progress on them. None of it may change the
 * stored jobs: every settle is conditional on the lease it came with. Checked through the
 * backdoor (`readRawState`) and a fresh yard's `jobs.get`, before and after the zombie woke.
 */
import type { JobContext, JobRecord, Switchyard } from '@switchyard/core';
import { expect } from 'vitest';
import { spawnChild } from '../children.js';
import { gatedDescribe, type SuiteEnv, scopedTest, type TestScope } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { zombieTask } from '../tasks.js';

/** What a job looks like to the backdoor and to a fresh yard. */
interface Snapshot {
  raw: string | null;
  record: Pick<JobRecord, 'state' | 'attempt' | 'result' | 'progress' | 'error'> & { finishedAt?: number };
}

async function snapshot(scope: TestScope, yard: Switchyard, id: string): Promise<Snapshot> {
  const job = await yard.jobs.get(id);
  if (!job) throw new Error(`job ${id} is missing`);
  return {
    raw: await scope.env.module.readRawState(scope.context(), id),
    record: {
      state: job.state,
      attempt: job.attempt,
      result: job.result,
      progress: job.progress,
      error: job.error,
      ...(job.finishedAt ? { finishedAt: job.finishedAt.getTime() } : {}),
    },
  };
}

/**
 * Runs one zombie scenario: four jobs taken by a child process in `mode`, the child frozen
 * until they complete in this process, then woken; returns the child's output lines.
 */
async function zombieScenario(scope: TestScope, mode: 'raw' | 'worker'): Promise<string[]> {
  const yard = await scope.yard();
  const ids: string[] = [];
  for (let n = 1; n <= 4; n++) ids.push((await yard.enqueue(zombieTask, { n })).id);
  const leaseMs = scope.ms(1500);
  const child = spawnChild(scope, 'zombie-worker', [
    scope.env.moduleUrl,
    scope.prefix,
    String(leaseMs),
    mode,
  ]);
  const taken = mode === 'raw' ? 'LEASED' : 'STARTED';
  for (const id of ids) {
    await child.waitForLine(
      (line) => line.startsWith(`${taken} ${id} `),
      scope.ms(20_000),
      `the child to take ${id}`,
    );
  }
  const pid = child.process.pid!;
  process.kill(pid, 'SIGSTOP');
  // A frozen child still dies with the test (SIGKILL reaches a stopped process).

  // Its leases lapse; the jobs are redelivered here and finish.
  await scope.worker(yard, {
    queues: [zombieTask.queue],
    concurrency: 4,
    handlers: [
      [
        zombieTask,
        async ({ n }: { n: number }, ctx: JobContext) => {
          await ctx.progress({ finishedBy: 'parent' });
          return `parent-${n}-${ctx.attempt}`;
        },
      ],
    ],
  });
  for (const id of ids) {
    const done = await waitForState(yard, id, 'completed', scope.ms(20_000));
    expect(done.attempt).toBeGreaterThanOrEqual(2);
  }
  const reader = await scope.yard();
  const before = await Promise.all(ids.map((id) => snapshot(scope, reader, id)));

  process.kill(pid, 'SIGCONT');
  if (mode === 'raw') {
    await child.waitForLine((line) => line === 'DONE', scope.ms(20_000), 'the zombie to make its calls');
  } else {
    for (const id of ids) {
      await child.waitForLine(
        (line) => line === `ACTED ${id}`,
        scope.ms(20_000),
        `the zombie to act on ${id}`,
      );
    }
    // Stopping waits for the zombie's settles (and releases the job whose handler never returns).
    child.process.kill('SIGTERM');
    await child.waitForLine((line) => line === 'STOPPED', scope.ms(20_000), 'the zombie worker to stop');
  }
  const after = await Promise.all(ids.map((id) => snapshot(scope, reader, id)));
  expect(after).toEqual(before);
  for (const [index, id] of ids.entries()) {
    expect(after[index]!.raw, `job ${id} in the backend`).toBe('completed');
    expect(after[index]!.record.result).toBe(`parent-${index + 1}-${after[index]!.record.attempt}`);
    expect(after[index]!.record.progress).toEqual({ finishedBy: 'parent' });
  }
  return child.lines();
}

/** Registers the `fencing` group of the conformance suite. */
export function registerFencing(env: SuiteEnv): void {
  gatedDescribe(env, 'fencing', 'fencing', () => {
    scopedTest(
      env,
      'a frozen process woken after its leases lapsed cannot complete, fail, retry or record progress through its leases',
      async (scope) => {
        const lines = await zombieScenario(scope, 'raw');
        const acted = lines.filter((line) => line.startsWith('ACTED '));
        // Every call was made: each was refused or had no effect (the records are unchanged).
        expect(acted).toHaveLength(6);
        console.info(
          `[conformance] ${env.name}: zombie lease calls: ${acted.map((line) => line.split(' ').slice(2).join(' ')).join('; ')}`,
        );
      },
      90_000,
    );

    scopedTest(
      env,
      'a frozen worker woken after its jobs finished elsewhere changes none of them when its handlers return, throw or report progress',
      async (scope) => {
        await zombieScenario(scope, 'worker');
      },
      90_000,
    );
  });
}
