/**
 * The outage contract, through real outages: every backend service the adapter uses sits
 * behind a TCP proxy the test cuts (connections reset, new ones refused) or freezes (a
 * silent network). Every call needing the backend fails within `backendTimeout` (+1 s) with
 * `BACKEND_UNAVAILABLE` and writes nothing; a retry with the same id stores the job once;
 * with a fallback spool no enqueue is refused and the relay stores each job once, in order;
 * a worker rides the outage (outcomes settled after it, or the lease lapses and the job
 * runs again), logs it once and once more on recovery, and takes jobs again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type JobContext,
  type Lease,
  newJobId,
  type Switchyard,
  SwitchyardError,
  spool,
} from '@switchyard/core';
import { describe, expect } from 'vitest';
import { hasStrictOrdering } from '../capabilities.js';
import { gatedDescribe, type SuiteEnv, scopedTest, type TestScope } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { describeLine, LogCapture } from '../log-capture.js';
import { OutageRig } from '../outage-rig.js';
import { echoTask } from '../tasks.js';
import { sleep, waitUntil } from '../wait.js';

/** How long a call may wait for the backend in these tests. */
const BACKEND_TIMEOUT_MS = 1000;
/** The contract's slack on top of `backendTimeout`. */
const SLACK_MS = 1000;

/** Runs `call` and resolves with how long it took and the error it threw (or none). */
async function timed(call: () => Promise<unknown>): Promise<{ ms: number; error: unknown; value: unknown }> {
  const started = Date.now();
  try {
    const value = await call();
    return { ms: Date.now() - started, error: undefined, value };
  } catch (error) {
    return { ms: Date.now() - started, error, value: undefined };
  }
}

/** Asserts the call failed with BACKEND_UNAVAILABLE within the bound. */
function expectUnavailableWithin(
  outcome: { ms: number; error: unknown },
  boundMs: number,
  what: string,
): void {
  expect(
    SwitchyardError.hasCode(outcome.error, 'BACKEND_UNAVAILABLE'),
    `${what} should fail with BACKEND_UNAVAILABLE; got ${String(outcome.error)}`,
  ).toBe(true);
  expect(outcome.ms, `${what} took ${outcome.ms} ms`).toBeLessThanOrEqual(boundMs);
}

/** Waits until the yard gets answers from the backend again (its reconnect may take a moment). */
async function backendAnswers(scope: TestScope, yard: Switchyard, jobId: string): Promise<void> {
  await waitUntil(
    async () => {
      try {
        return (await yard.jobs.get(jobId)) !== null;
      } catch {
        return false;
      }
    },
    scope.ms(15_000),
    'the backend to answer through the restored proxy',
    50,
  );
}

/** A yard on the proxies, with a short backendTimeout and a log the test reads. */
async function proxiedYard(
  scope: TestScope,
  rig: OutageRig,
  extra: { fallbackPath?: string } = {},
): Promise<{ yard: Switchyard; log: LogCapture }> {
  const log = new LogCapture();
  const yard = await scope.yard({
    adapter: await rig.adapter(),
    options: {
      logger: log,
      backendTimeout: scope.ms(BACKEND_TIMEOUT_MS),
      ...(extra.fallbackPath ? { fallback: spool({ path: extra.fallbackPath }) } : {}),
    },
  });
  return { yard, log };
}

/** A temporary directory for a spool file, removed after the test. */
async function spoolPath(scope: TestScope): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-outage-'));
  scope.afterClose(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'spool.db');
}

/** Registers the `outage` group of the conformance suite. */
export function registerOutage(env: SuiteEnv): void {
  const bound = () => env.ms(BACKEND_TIMEOUT_MS) + SLACK_MS;
  gatedDescribe(env, 'outage', 'outage', () => {
    describe('calls during an outage', () => {
      scopedTest(
        env,
        'with the backend cut, enqueue and every query fail within backendTimeout + 1 s with BACKEND_UNAVAILABLE; nothing is written; a retry with the same id stores each job once',
        async (scope) => {
          const rig = OutageRig.open(scope);
          const { yard } = await proxiedYard(scope, rig);
          const before = await yard.enqueue(echoTask, { n: 0 });
          await rig.cut();
          const ids = [newJobId(), newJobId(), newJobId(), newJobId(), newJobId()];
          const enqueues = await Promise.all(
            ids.map((id, n) => timed(() => yard.enqueue(echoTask, { n: n + 1 }, { id }))),
          );
          for (const [n, outcome] of enqueues.entries())
            expectUnavailableWithin(outcome, bound(), `enqueue #${n + 1}`);
          const many = await timed(() => yard.enqueueMany(echoTask, [{ n: 10 }, { n: 11 }]));
          expectUnavailableWithin(many, bound(), 'enqueueMany');
          const queries: Array<[string, () => Promise<unknown>]> = [
            ['jobs.get', () => yard.jobs.get(before.id)],
            ['jobs.counts', () => yard.jobs.counts()],
            ['jobs.list', () => yard.jobs.list({ limit: 5 })],
            ['jobs.cancel', () => yard.jobs.cancel(before.id)],
            ['queues.list', () => yard.queues.list()],
            ['queues.pause', () => yard.queues.pause('outage-never-paused')],
            ['schedules.list', () => yard.schedules.list()],
          ];
          for (const [what, call] of queries) expectUnavailableWithin(await timed(call), bound(), what);

          await rig.restore();
          await backendAnswers(scope, yard, before.id);
          // Room for a write that was only queued in a driver to land, if any was.
          await sleep(scope.ms(1000));
          for (const id of ids)
            expect(await env.module.readRawState(scope.context(), id), `job ${id}`).toBeNull();
          expect((await yard.jobs.get(before.id))?.state).toBe('pending');
          expect(await yard.queues.isPaused('outage-never-paused')).toBe(false);
          const counts = await yard.jobs.counts();
          expect(counts.pending + counts.scheduled).toBe(1);

          // The caller retries with the same ids: each job is stored once.
          for (const [n, id] of ids.entries()) {
            expect(await yard.enqueue(echoTask, { n: n + 1 }, { id })).toEqual({ id });
            expect(await yard.enqueue(echoTask, { n: n + 1 }, { id })).toEqual({ id });
          }
          for (const id of ids) expect(await env.module.readRawState(scope.context(), id)).toBe('pending');
          expect((await yard.jobs.counts()).pending).toBe(1 + ids.length);
        },
        60_000,
      );

      scopedTest(
        env,
        'with the network frozen, enqueue fails within backendTimeout + 1 s; once it thaws, a retry with the same id leaves exactly one job',
        async (scope) => {
          const rig = OutageRig.open(scope);
          const { yard } = await proxiedYard(scope, rig);
          const before = await yard.enqueue(echoTask, { n: 0 });
          await rig.freeze();
          const ids = [newJobId(), newJobId(), newJobId()];
          const enqueues = await Promise.all(
            ids.map((id, n) => timed(() => yard.enqueue(echoTask, { n: n + 1 }, { id }))),
          );
          for (const [n, outcome] of enqueues.entries())
            expectUnavailableWithin(outcome, bound(), `enqueue #${n + 1}`);
          expectUnavailableWithin(await timed(() => yard.jobs.get(before.id)), bound(), 'jobs.get');
          await rig.restore();
          await backendAnswers(scope, yard, before.id);
          // A frozen write may land once the network thaws (its answer was lost): the retry must not double it.
          for (const [n, id] of ids.entries()) {
            expect(await yard.enqueue(echoTask, { n: n + 1 }, { id })).toEqual({ id });
          }
          for (const id of ids) expect(await env.module.readRawState(scope.context(), id)).toBe('pending');
          expect((await yard.jobs.counts()).pending).toBe(1 + ids.length);
        },
        60_000,
      );
    });

    scopedTest(
      env,
      'with a fallback spool, no enqueue is refused during the outage; the relay stores each job once, in enqueue order',
      async (scope) => {
        const rig = OutageRig.open(scope);
        const { yard } = await proxiedYard(scope, rig, { fallbackPath: await spoolPath(scope) });
        const first = await yard.enqueue(echoTask, { n: 0 });
        expect(first.spooled).toBeUndefined();
        await rig.cut();
        const spooled: string[] = [];
        for (let n = 1; n <= 20; n++) {
          const outcome = await timed(() => yard.enqueue(echoTask, { n }));
          expect(outcome.error, `enqueue #${n} during the outage`).toBeUndefined();
          expect(outcome.ms, `enqueue #${n} took ${outcome.ms} ms`).toBeLessThanOrEqual(bound());
          const result = outcome.value as { id: string; spooled?: true };
          expect(result.spooled).toBe(true);
          spooled.push(result.id);
        }
        expect(await yard.spool.status()).toMatchObject({ enabled: true, depth: 20 });
        await rig.restore();
        await waitUntil(
          async () => (await yard.spool.status()).depth === 0,
          scope.ms(20_000),
          'the relay to empty the spool',
          50,
        );
        for (const id of spooled) expect(await env.module.readRawState(scope.context(), id)).toBe('pending');
        expect((await yard.jobs.counts()).pending).toBe(21);

        // One worker at concurrency 1 runs them in the order the backend hands them out.
        const runs: number[] = [];
        await scope.worker(yard, {
          handlers: [[echoTask, ({ n }: { n: number }) => void runs.push(n)]],
        });
        await waitUntil(
          async () => (await yard.jobs.counts()).completed === 21,
          scope.ms(20_000),
          'all 21 jobs to complete',
        );
        expect([...runs].sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, n) => n));
        if (hasStrictOrdering(env.capabilities))
          expect(runs).toEqual(Array.from({ length: 21 }, (_, n) => n));
      },
      90_000,
    );

    scopedTest(
      env,
      'a settle that failed during the outage, called again once the backend is back, stores the outcome',
      async (scope) => {
        const rig = OutageRig.open(scope);
        const producer = await scope.yard();
        const { yard } = await proxiedYard(scope, rig);
        const { id } = await producer.enqueue(echoTask, { n: 1 });
        const leases: Lease[] = [];
        const hold = scope.gate();
        const consumer = yard.adapter.consume(
          [echoTask.queue],
          { concurrency: 1, leaseDurationMs: scope.ms(20_000) },
          async (lease) => {
            leases.push(lease);
            await hold.opened;
          },
        );
        await waitUntil(() => leases.length === 1, scope.ms(10_000), 'the raw consumer to take the job');
        const lease = leases[0]!;
        await rig.cut();
        // Either it fails now (and core will call it again), or it waits and goes through once the backend is back.
        const settle: { outcome: 'pending' | 'resolved' | 'rejected' } = { outcome: 'pending' };
        const first = lease.complete('kept').then(
          () => {
            settle.outcome = 'resolved';
          },
          () => {
            settle.outcome = 'rejected';
          },
        );
        await waitUntil(
          () => settle.outcome !== 'pending',
          scope.ms(BACKEND_TIMEOUT_MS),
          'the settle to fail',
        ).catch(() => undefined);
        expect(settle.outcome, 'a settle cannot succeed while the backend is cut').not.toBe('resolved');
        expect(await env.module.readRawState(scope.context(), id)).toBe('running');
        await rig.restore();
        // Called again once the adapter reaches the backend (core's retry backs off the same way).
        if (settle.outcome === 'rejected') {
          await backendAnswers(scope, yard, id);
          await lease.complete('kept');
        } else await first;
        expect(await waitForState(producer, id, 'completed', scope.ms(5000))).toMatchObject({
          attempt: 1,
          result: 'kept',
        });
        hold.open();
        await consumer.stop();
      },
      60_000,
    );

    describe('a worker rides the outage', () => {
      scopedTest(
        env,
        'a result reached during a short outage is stored once the backend is back; a job running through it completes; the outage is logged once and its end once; the worker takes new jobs',
        async (scope) => {
          const rig = OutageRig.open(scope);
          const producer = await scope.yard();
          const { yard, log } = await proxiedYard(scope, rig);
          const leaseMs = scope.ms(6000);
          const finishDuringOutage = scope.gate();
          const finishAfterOutage = scope.gate();
          const runs: Array<{ n: number; attempt: number }> = [];
          await scope.worker(yard, {
            concurrency: 2,
            leaseDuration: leaseMs,
            handlers: [
              [
                echoTask,
                async ({ n }: { n: number }, ctx: JobContext) => {
                  runs.push({ n, attempt: ctx.attempt });
                  if (n === 1) await finishDuringOutage.opened;
                  if (n === 2) await finishAfterOutage.opened;
                  return `result-${n}-${ctx.attempt}`;
                },
              ],
            ],
          });
          const early = await producer.enqueue(echoTask, { n: 1 });
          const through = await producer.enqueue(echoTask, { n: 2 });
          await waitUntil(() => runs.length === 2, scope.ms(10_000), 'both jobs to start');

          const cutAt = Date.now();
          await rig.cut();
          finishDuringOutage.open();
          const during = await producer.enqueue(echoTask, { n: 3 });
          await sleep(scope.ms(1500));
          await rig.restore();
          finishAfterOutage.open();

          const stored = await waitForState(producer, early.id, 'completed', scope.ms(15_000));
          expect(stored).toMatchObject({ attempt: 1, result: 'result-1-1' });
          expect(await waitForState(producer, through.id, 'completed', scope.ms(15_000))).toMatchObject({
            attempt: 1,
            result: 'result-2-1',
          });
          expect(await waitForState(producer, during.id, 'completed', scope.ms(15_000))).toMatchObject({
            attempt: 1,
            result: 'result-3-1',
          });
          expect(runs.filter((run) => run.n === 1)).toEqual([{ n: 1, attempt: 1 }]);

          await waitUntil(() => log.outage('up').length > 0, scope.ms(10_000), 'the recovery line');
          expect(log.outage('down').map(describeLine)).toHaveLength(1);
          expect(log.outage('up')).toHaveLength(1);
          expect(log.outage('up')[0]!.obj).toMatchObject({ leasesLapsed: 0 });
          expect(log.outage('down')[0]!.at).toBeGreaterThanOrEqual(cutAt);
          expect(log.loudSince(cutAt).map(describeLine)).toEqual([]);
        },
        60_000,
      );

      scopedTest(
        env,
        'when the outage outlasts the lease, the kept result is dropped and the job runs again after it, once',
        async (scope) => {
          const rig = OutageRig.open(scope);
          const producer = await scope.yard();
          const { yard, log } = await proxiedYard(scope, rig);
          const leaseMs = scope.ms(2000);
          const finish = scope.gate();
          const runs: number[] = [];
          await scope.worker(yard, {
            leaseDuration: leaseMs,
            handlers: [
              [
                echoTask,
                async (_payload: unknown, ctx: JobContext) => {
                  runs.push(ctx.attempt);
                  await finish.opened;
                  return `result-${ctx.attempt}`;
                },
              ],
            ],
          });
          const { id } = await producer.enqueue(echoTask, { n: 1 });
          await waitUntil(() => runs.length === 1, scope.ms(10_000), 'the job to start');
          await rig.cut();
          finish.open();
          await waitUntil(
            () => log.lines.some((line) => line.msg.includes('before the lease lapsed')),
            scope.ms(10_000),
            'the worker to give the result up when the lease lapsed',
          );
          await rig.restore();
          const done = await waitForState(producer, id, 'completed', scope.ms(30_000));
          expect(done).toMatchObject({ attempt: 2, result: 'result-2' });
          expect(runs).toEqual([1, 2]);
          await waitUntil(() => log.outage('up').length > 0, scope.ms(10_000), 'the recovery line');
          expect(log.outage('down')).toHaveLength(1);
          expect(log.outage('up')[0]!.obj).toMatchObject({ leasesLapsed: 1 });
        },
        60_000,
      );
    });
  });
}
