/**
 * A job whose worker dies is redelivered after its lease expires, and the lost lease
 * consumes an attempt. Every adapter: an abandoned raw lease (never heartbeated or
 * settled). With `crossProcessLeases`: a real worker process killed with SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JobContext, Lease, Switchyard } from '@switchyard/core';
import { describe, expect } from 'vitest';
import { gatedDescribe, type SuiteEnv, scopedTest, type TestScope } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { EventLog } from '../states.js';
import { crashMeTask, echoTask } from '../tasks.js';
import { waitUntil } from '../wait.js';

/** dist/crash-worker.js, whether the suite runs from dist or from source under vitest. */
export function crashWorkerPath(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL('../../dist/crash-worker.js', here)
    : new URL('./crash-worker.js', here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new Error(
      `the crash-recovery child script ${path} is missing: run \`pnpm --filter @switchyard/conformance build\` ` +
        '(and build @switchyard/core and the adapter under test: the child process imports their dist)',
    );
  }
  return path;
}

/** Takes one lease with a raw consumer and abandons it: never heartbeats, never settles. */
async function abandonOneLease(scope: TestScope, yard: Switchyard): Promise<Lease> {
  const leases: Lease[] = [];
  const hold = scope.gate();
  const consumer = yard.adapter.consume(
    [echoTask.queue],
    { concurrency: 1, leaseDurationMs: scope.ms(1000) },
    async (lease) => {
      leases.push(lease);
      await hold.opened;
    },
  );
  await waitUntil(() => leases.length === 1, scope.ms(3000), 'the raw consumer to take a lease');
  await consumer.stop();
  return leases[0]!;
}

/** Spawns the crash worker and resolves when it reports that `jobId` started. */
async function spawnCrashWorker(scope: TestScope, jobId: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [crashWorkerPath(), scope.env.moduleUrl, scope.prefix, String(scope.ms(1000))],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  scope.onDispose(() => void child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  let exited: string | null = null;
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.on('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  try {
    await waitUntil(
      () => {
        if (exited) throw new Error(`the crash worker ${exited} before starting the job`);
        return stdout.includes(`STARTED ${jobId} 1`);
      },
      scope.ms(20_000),
      'the crash worker to start the job',
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\nchild stdout:\n${stdout}\nchild stderr:\n${stderr}`, {
      cause: error,
    });
  }
  return child;
}

/** Registers the `crash-recovery` group of the conformance suite. */
export function registerCrashRecovery(env: SuiteEnv): void {
  describe('crash-recovery', () => {
    scopedTest(
      env,
      'an abandoned lease is redelivered after leaseDuration and completes on attempt 2',
      async (scope) => {
        const yard = await scope.yard();
        const log = new EventLog(yard);
        const { id } = await yard.enqueue(echoTask, { n: 1 }, { retry: { attempts: 3 } });
        const lease = await abandonOneLease(scope, yard);
        expect(lease.job).toMatchObject({ id, state: 'running', attempt: 1 });
        expect(await env.module.readRawState(scope.context(), id)).toBe('running');
        const seenAttempts: number[] = [];
        await scope.worker(yard, {
          handlers: [
            [
              echoTask,
              (_payload: unknown, ctx: JobContext) => {
                seenAttempts.push(ctx.attempt);
                return 'recovered';
              },
            ],
          ],
        });
        const done = await waitForState(yard, id, 'completed', scope.ms(6000));
        expect(done).toMatchObject({ attempt: 2, result: 'recovered' });
        expect(seenAttempts).toEqual([2]);
        // The lost lease can no longer change the job.
        await lease.complete('stale');
        expect(await yard.jobs.get(id)).toMatchObject({
          state: 'completed',
          attempt: 2,
          result: 'recovered',
        });
        log.expectLegalSequences();
      },
    );

    scopedTest(env, 'a lost lease with no attempts left fails the job with LEASE_EXPIRED', async (scope) => {
      const yard = await scope.yard();
      const { id } = await yard.enqueue(echoTask, { n: 1 }, { retry: { attempts: 1 } });
      await abandonOneLease(scope, yard);
      let ran = false;
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            () => {
              ran = true;
            },
          ],
        ],
      });
      const failed = await waitForState(yard, id, 'failed', scope.ms(6000));
      expect(failed.error?.code).toBe('LEASE_EXPIRED');
      expect(ran).toBe(false);
    });

    gatedDescribe(env, 'crash-recovery/killed-process', 'a worker process killed mid-job', () => {
      scopedTest(
        env,
        'a SIGKILLed worker process: the job is redelivered and completes on attempt 2',
        async (scope) => {
          const yard = await scope.yard();
          const { id } = await yard.enqueue(crashMeTask, { n: 1 });
          const child = await spawnCrashWorker(scope, id);
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
          expect(await env.module.readRawState(scope.context(), id)).toBe('running');
          const seenAttempts: number[] = [];
          await scope.worker(yard, {
            queues: [crashMeTask.queue],
            handlers: [
              [
                crashMeTask,
                (_payload: unknown, ctx: JobContext) => {
                  seenAttempts.push(ctx.attempt);
                  return 'survived';
                },
              ],
            ],
          });
          const done = await waitForState(yard, id, 'completed', scope.ms(8000));
          expect(done).toMatchObject({ attempt: 2, result: 'survived' });
          expect(seenAttempts).toEqual([2]);
        },
        40_000,
      );
    });
  });
}
