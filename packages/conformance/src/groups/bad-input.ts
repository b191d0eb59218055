/**
 * Bad input is refused before anything is written, with a typed error; bad data in
 * the backend or in a handler fails only its own job, and the worker goes on. A corrupt
 * stored record is judged the same on every adapter (core's stored-record rules).
 */
import {
  CapabilityError,
  type JobContext,
  PayloadTooLargeError,
  UnknownTaskError,
  ValidationError,
} from '@switchyard/core';
import { describe, expect } from 'vitest';
import { effectivePayloadLimit } from '../capabilities.js';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { expectNoJobs, expectRejectsWithCode, waitForState } from '../job-waits.js';
import { CORRUPTION_KINDS, type CorruptionKind } from '../module.js';
import { anythingTask, echoTask, signupTask } from '../tasks.js';

/** What each corruption looks like, for test titles. */
const CORRUPTION_SHOWN: Record<CorruptionKind, string> = {
  payload: 'undecodable payload',
  priority: 'priority out of 0..9',
  metadata: 'a metadata value not a string',
  attempt: 'negative attempt',
};

/** Registers the `bad-input` group of the conformance suite. */
export function registerBadInput(env: SuiteEnv): void {
  describe('bad-input', () => {
    scopedTest(
      env,
      'an invalid payload throws ValidationError listing the issues; nothing is written',
      async (scope) => {
        const yard = await scope.yard();
        const error = await expectRejectsWithCode(
          () => yard.enqueue(signupTask, { email: 'not-an-email', count: -1 }),
          'VALIDATION_FAILED',
        );
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues.length).toBeGreaterThanOrEqual(2);
        await expectRejectsWithCode(
          () => yard.enqueue(signupTask.name, { email: 'a@b.co' }),
          'VALIDATION_FAILED',
        );
        await expectRejectsWithCode(
          () => yard.enqueue(echoTask, 'not an object' as never),
          'VALIDATION_FAILED',
        );
        await expectNoJobs(yard);
      },
    );

    scopedTest(env, 'enqueueMany with one invalid payload writes none', async (scope) => {
      const yard = await scope.yard();
      await expectRejectsWithCode(
        () =>
          yard.enqueueMany(signupTask, [
            { email: 'a@b.co', count: 1 },
            { email: 'c@d.co', count: 2 },
            { email: 'broken', count: 3 },
          ]),
        'VALIDATION_FAILED',
      );
      await expectNoJobs(yard);
    });

    scopedTest(env, 'an unknown task name throws UnknownTaskError; nothing is written', async (scope) => {
      const yard = await scope.yard();
      const error = await expectRejectsWithCode(
        () => yard.enqueue('conformance.no-such-task', { n: 1 }),
        'UNKNOWN_TASK',
      );
      expect(error).toBeInstanceOf(UnknownTaskError);
      await expectRejectsWithCode(
        () => yard.enqueueMany('conformance.no-such-task', [{ n: 1 }]),
        'UNKNOWN_TASK',
      );
      await expectNoJobs(yard);
    });

    scopedTest(env, 'an oversized payload throws PayloadTooLargeError; nothing is written', async (scope) => {
      const yard = await scope.yard();
      const limit = effectivePayloadLimit(env.capabilities);
      const error = await expectRejectsWithCode(
        () => yard.enqueue(anythingTask, { value: 'x'.repeat(limit + 1) }),
        'PAYLOAD_TOO_LARGE',
      );
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect((error as PayloadTooLargeError).limitBytes).toBeLessThanOrEqual(limit);
      await expectNoJobs(yard);
      // Just under the limit is accepted.
      const fits = { value: 'y'.repeat(Math.floor(limit / 2)) };
      const { id } = await yard.enqueue(anythingTask, fits);
      expect((await yard.jobs.get(id))!.payload).toEqual(fits);
    });

    scopedTest(env, 'a non-JSON payload (Date, function, BigInt) throws ValidationError', async (scope) => {
      const yard = await scope.yard();
      for (const value of [new Date(), () => 1, 10n, { nested: { when: new Date() } }, Number.NaN]) {
        await expectRejectsWithCode(() => yard.enqueue(anythingTask, { value }), 'VALIDATION_FAILED');
      }
      await expectNoJobs(yard);
    });

    scopedTest(
      env,
      'invalid options (priority, delay) throw InvalidOptionsError; nothing is written',
      async (scope) => {
        const yard = await scope.yard();
        await expectRejectsWithCode(
          () => yard.enqueue(echoTask, { n: 1 }, { priority: 12 }),
          'INVALID_OPTIONS',
        );
        await expectRejectsWithCode(
          () => yard.enqueue(echoTask, { n: 1 }, { delay: '5 parsecs' }),
          'INVALID_OPTIONS',
        );
        await expectRejectsWithCode(
          () => yard.enqueue(echoTask, { n: 1 }, { retry: { attempts: 0 } }),
          'INVALID_OPTIONS',
        );
        await expectNoJobs(yard);
      },
    );

    for (const kind of CORRUPTION_KINDS) {
      const title = `a corrupt stored job (${kind}: ${CORRUPTION_SHOWN[kind]}) fails with MALFORMED_JOB naming the problem; the worker goes on`;
      const register = () =>
        scopedTest(env, title, async (scope) => {
          const yard = await scope.yard();
          const ran: string[] = [];
          const { id: corrupt } = await yard.enqueue(echoTask, { n: 1 }, { retry: { attempts: 3 } });
          await env.module.corruptJob(scope.context(), corrupt, kind);
          const { id: healthy } = await yard.enqueue(echoTask, { n: 2 });
          await scope.worker(yard, {
            handlers: [[echoTask, (_payload: unknown, ctx: JobContext) => void ran.push(ctx.job.id)]],
          });
          await waitForState(yard, healthy, 'completed', scope.ms(4000));
          const failed = await waitForState(yard, corrupt, 'failed', scope.ms(4000));
          expect(failed.error?.code, failed.error?.message).toBe('MALFORMED_JOB');
          // Names the job, and (for a field) the field, so an operator knows what to repair.
          expect(failed.error?.message).toContain(corrupt);
          if (kind !== 'payload') expect(failed.error?.message).toContain(kind);
          expect(ran).not.toContain(corrupt);
          const { id: after } = await yard.enqueue(echoTask, { n: 3 });
          await waitForState(yard, after, 'completed', scope.ms(4000));
          expect(ran).toEqual([healthy, after]);
        });
      // Like a capability gate: a kind the module cannot write is reported as skipped, with why.
      if (env.corruptionKinds.includes(kind)) register();
      else describe.skip(`corrupt record '${kind}' (skipped: not in the module's corruptionKinds)`, register);
    }

    scopedTest(env, 'a handler throwing a non-Error fails the job with HANDLER_ERROR', async (scope) => {
      const yard = await scope.yard();
      await scope.worker(yard, {
        handlers: [
          [
            echoTask,
            () => {
              throw 'plain string';
            },
          ],
        ],
      });
      const { id } = await yard.enqueue(echoTask, { n: 1 }, { retry: { attempts: 1 } });
      const failed = await waitForState(yard, id, 'failed', scope.ms(3000));
      expect(failed.error?.code).toBe('HANDLER_ERROR');
      expect(failed.error?.message).toContain('plain string');
    });

    scopedTest(env, 'a handler that never returns is ended by its timeout', async (scope) => {
      const yard = await scope.yard();
      await scope.worker(yard, {
        handlers: [[echoTask, (_payload: unknown, _ctx: JobContext) => new Promise<never>(() => {})]],
      });
      const { id } = await yard.enqueue(
        echoTask,
        { n: 1 },
        { timeout: scope.ms(200), retry: { attempts: 1 } },
      );
      const failed = await waitForState(yard, id, 'failed', scope.ms(3000));
      expect(failed.error?.code).toBe('JOB_TIMEOUT');
    });

    gatedDescribe(env, 'bad-input/delay-beyond-max', 'a delay beyond capabilities.maxDelayMs', () => {
      scopedTest(env, 'is refused with CapabilityError; nothing is written', async (scope) => {
        const yard = await scope.yard();
        const error = await expectRejectsWithCode(
          () => yard.enqueue(echoTask, { n: 1 }, { delay: env.capabilities.maxDelayMs + 60_000 }),
          'CAPABILITY_UNSUPPORTED',
        );
        expect(error).toBeInstanceOf(CapabilityError);
        await expectNoJobs(yard);
      });
    });

    gatedDescribe(
      env,
      'bad-input/tx-unsupported',
      'enqueue with { tx } on an adapter without transactions',
      () => {
        scopedTest(env, 'is refused with CapabilityError; nothing is written', async (scope) => {
          const yard = await scope.yard();
          const error = await expectRejectsWithCode(
            () => yard.enqueue(echoTask, { n: 1 }, { tx: { query: async () => ({ rows: [] }) } }),
            'CAPABILITY_UNSUPPORTED',
          );
          expect(error).toBeInstanceOf(CapabilityError);
          await expectNoJobs(yard);
        });
      },
    );
  });
}
