/**
 * Cluster-wide job events: a subscriber on any yard (or in another process) sees the
 * events of every yard, in per-job causal order, filtered as asked; malformed messages
 * are skipped; resuming from an event id either replays what was missed or says `gap`.
 */
import type {
  ClusterEvent,
  JobContext,
  JobEvent,
  JobState,
  QueueAdapterV2,
  SubscribeOptions,
  Switchyard,
} from '@switchyard/core';
import { expect } from 'vitest';
import { spawnChild } from '../children.js';
import { gatedDescribe, type SuiteEnv, scopedTest, type TestScope } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { opsHandler } from '../ops-handler.js';
import { expectLegalSequence } from '../states.js';
import { echoTask, opsTask } from '../tasks.js';
import { sleep, waitUntil } from '../wait.js';

/** Collects what a subscription delivers. */
export async function collect(yard: Switchyard, options: SubscribeOptions = {}) {
  const events: ClusterEvent[] = [];
  const unsubscribe = await yard.subscribe((event) => events.push(event), options);
  const jobEvents = () => events.filter((event): event is JobEvent => event.type !== 'gap');
  return {
    events,
    jobEvents,
    /** `type` of each event of one job, in delivery order. */
    typesOf: (jobId: string) =>
      jobEvents()
        .filter((event) => event.jobId === jobId)
        .map((event) => event.type),
    unsubscribe,
  };
}

/** The states a job's events say it went through, starting from its enqueue. */
function statesOf(events: JobEvent[]): JobState[] {
  return events
    .filter((event) => event.type !== 'progress' && event.type !== 'stalled')
    .map((event) => event.state);
}

const done = (sequence: string[]) => ['completed', 'failed', 'cancelled'].includes(sequence.at(-1) ?? '');

/** A producer, a worker and an observer: three yards (three connections) on one backend. */
async function threeYards(scope: TestScope) {
  const producer = await scope.yard();
  const observer = await scope.yard();
  const workerYard = await scope.yard();
  return { producer, observer, workerYard };
}

/** Registers the `events` group of the conformance suite. */
export function registerEvents(env: SuiteEnv): void {
  gatedDescribe(env, 'operations', 'events', () => {
    scopedTest(
      env,
      'another yard sees every job event in causal order: success, retries, failure',
      async (scope) => {
        const { producer, observer, workerYard } = await threeYards(scope);
        const seen = await collect(observer);
        await scope.worker(workerYard, {
          queues: [opsTask.queue],
          concurrency: 4,
          handlers: [[opsTask, opsHandler]],
        });
        const plain = await Promise.all(
          Array.from({ length: 8 }, (_, n) => producer.enqueue(opsTask, { n })),
        );
        const retried = await producer.enqueue(opsTask, { n: 100, failTimes: 1 });
        const failed = await producer.enqueue(opsTask, { n: 200, failTimes: 3 });
        const all = [...plain, retried, failed].map((job) => job.id);
        await waitUntil(
          () => all.every((id) => done(seen.typesOf(id))),
          scope.ms(10_000),
          'every job to finish',
        );
        for (const { id } of plain)
          expect(seen.typesOf(id)).toEqual(['enqueued', 'started', 'progress', 'completed']);
        expect(seen.typesOf(retried.id)).toEqual([
          'enqueued',
          'started',
          'progress',
          'retrying',
          'started',
          'progress',
          'completed',
        ]);
        expect(seen.typesOf(failed.id)).toEqual([
          'enqueued',
          ...['started', 'progress', 'retrying', 'started', 'progress', 'retrying'],
          'started',
          'progress',
          'failed',
        ]);
        const ofFailed = seen.jobEvents().filter((event) => event.jobId === failed.id);
        expect(ofFailed.filter((event) => event.type === 'started').map((event) => event.attempt)).toEqual([
          1, 2, 3,
        ]);
        expect(ofFailed.at(-1)).toMatchObject({ state: 'failed', error: { message: 'planned failure 3' } });
        const completed = seen
          .jobEvents()
          .find((event) => event.jobId === plain[0]!.id && event.type === 'completed')!;
        expect(completed).toMatchObject({
          queue: opsTask.queue,
          task: opsTask.name,
          state: 'completed',
          attempt: 1,
        });
        expect(completed.durationMs).toBeGreaterThanOrEqual(0);
        expect(typeof completed.workerId).toBe('string');
        for (const id of all) {
          expectLegalSequence(
            statesOf(seen.jobEvents().filter((event) => event.jobId === id)),
            `events of ${id}`,
          );
        }
        expect(seen.events.filter((event) => event.type === 'gap')).toEqual([]);
      },
    );

    scopedTest(
      env,
      'a cancel and a manual retry from a fourth yard keep each job in order',
      async (scope) => {
        const { producer, observer, workerYard } = await threeYards(scope);
        const operator = await scope.yard();
        const seen = await collect(observer);
        const runs = new Map<string, number>();
        await scope.worker(workerYard, {
          queues: [opsTask.queue],
          handlers: [
            [
              opsTask,
              (_payload: unknown, ctx: JobContext) => {
                const run = (runs.get(ctx.job.id) ?? 0) + 1;
                runs.set(ctx.job.id, run);
                if (run === 1) throw new Error('first run fails');
                return 'second run works';
              },
            ],
          ],
        });
        const waiting = await producer.enqueue(opsTask, { n: 1 }, { queue: 'held' });
        await waitUntil(
          () => seen.typesOf(waiting.id).length === 1,
          scope.ms(3000),
          'enqueued of the held job',
        );
        expect(await operator.jobs.cancel(waiting.id)).toBe('cancelled');
        const failing = await producer.enqueue(opsTask, { n: 2 }, { retry: { attempts: 1 } });
        await waitUntil(() => done(seen.typesOf(failing.id)), scope.ms(5000), 'the job to fail');
        expect(await operator.jobs.retry(failing.id)).not.toBeNull();
        await waitUntil(
          () => seen.typesOf(failing.id).at(-1) === 'completed',
          scope.ms(5000),
          'the retried job',
        );
        await waitUntil(() => done(seen.typesOf(waiting.id)), scope.ms(3000), 'the cancel event');
        expect(seen.typesOf(waiting.id)).toEqual(['enqueued', 'cancelled']);
        expect(seen.typesOf(failing.id)).toEqual([
          'enqueued',
          'started',
          'failed',
          'enqueued',
          'started',
          'completed',
        ]);
        const again = seen.jobEvents().filter((event) => event.jobId === failing.id)[3]!;
        expect(again).toMatchObject({ type: 'enqueued', retry: true, state: 'pending', attempt: 0 });
      },
    );

    scopedTest(env, 'queue and task filters deliver only matching events', async (scope) => {
      const { producer, observer, workerYard } = await threeYards(scope);
      const heldOnly = await collect(observer, { queues: ['held'] });
      const echoOnly = await collect(observer, { tasks: [echoTask.name] });
      const everything = await collect(observer);
      await scope.worker(workerYard, { queues: [opsTask.queue], handlers: [[opsTask, opsHandler]] });
      const ran = await producer.enqueue(opsTask, { n: 1 });
      const held = await producer.enqueue(opsTask, { n: 2 }, { queue: 'held' });
      await waitUntil(
        () => done(everything.typesOf(ran.id)) && everything.typesOf(held.id).length > 0,
        scope.ms(5000),
        'both jobs seen',
      );
      expect(heldOnly.jobEvents().map((event) => event.jobId)).toEqual([held.id]);
      expect(echoOnly.jobEvents()).toEqual([]);
      await expect(observer.subscribe(() => {}, { queues: ['bad queue!'] })).rejects.toMatchObject({
        code: 'INVALID_OPTIONS',
      });
      await expect(
        observer.subscribe(() => {}, { unknown: true } as unknown as SubscribeOptions),
      ).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    });

    scopedTest(env, 'malformed messages on the bus are skipped; later events still arrive', async (scope) => {
      const { producer, observer, workerYard } = await threeYards(scope);
      const seen = await collect(observer);
      const bus = (producer.adapter as QueueAdapterV2).events;
      await bus.publish('not json at all');
      await bus.publish(JSON.stringify({ v: 1, e: [{ type: 'bogus', jobId: 'x' }, 'nope', null] }));
      await bus.publish(JSON.stringify({ v: 99, e: [] }));
      await scope.worker(workerYard, { queues: [opsTask.queue], handlers: [[opsTask, opsHandler]] });
      const { id } = await producer.enqueue(opsTask, { n: 1 });
      await waitUntil(() => done(seen.typesOf(id)), scope.ms(5000), 'the job to complete');
      expect(seen.typesOf(id)).toEqual(['enqueued', 'started', 'progress', 'completed']);
      expect(seen.jobEvents().every((event) => event.jobId === id)).toBe(true);
    });

    scopedTest(
      env,
      'resuming after an event id replays what was missed, or reports a gap first',
      async (scope) => {
        const { producer, observer, workerYard } = await threeYards(scope);
        const truth = await collect(observer);
        const first = await collect(observer);
        await scope.worker(workerYard, { queues: [opsTask.queue], handlers: [[opsTask, opsHandler]] });
        const one = await producer.enqueue(opsTask, { n: 1 });
        await waitUntil(() => done(first.typesOf(one.id)), scope.ms(5000), 'the first job');
        const lastSeen = first.jobEvents().at(-1)!;
        await first.unsubscribe();
        const two = await producer.enqueue(opsTask, { n: 2 });
        await waitUntil(() => done(truth.typesOf(two.id)), scope.ms(5000), 'the second job');
        const resumed = await collect(observer, { after: lastSeen.id });
        const missed = truth
          .jobEvents()
          .slice(truth.jobEvents().findIndex((event) => event.id === lastSeen.id) + 1);
        if (resumed.events[0]?.type === 'gap') {
          expect(resumed.events[0].reason.length).toBeGreaterThan(0);
        } else {
          // Replay restarts at the message that held the given event: an event that was
          // delivered early (reordered ahead of it) may come again; clients dedupe by id.
          const seenBefore = new Set(first.jobEvents().map((event) => event.id));
          const missedIds = missed.map((event) => event.id);
          await waitUntil(
            () => missedIds.every((id) => resumed.jobEvents().some((event) => event.id === id)),
            scope.ms(3000),
            'the replay of every missed event',
          );
          const replayed = resumed.jobEvents().map((event) => event.id);
          expect(replayed.filter((id) => !seenBefore.has(id))).toEqual(missedIds);
          expect(resumed.typesOf(two.id)).toEqual(['enqueued', 'started', 'progress', 'completed']);
        }
        // Either way the subscription is live afterwards.
        const three = await producer.enqueue(opsTask, { n: 3 });
        await waitUntil(() => done(resumed.typesOf(three.id)), scope.ms(5000), 'a live event after resuming');
      },
    );

    scopedTest(env, 'waitFor in another yard resolves when the job finishes', async (scope) => {
      const { producer, observer, workerYard } = await threeYards(scope);
      const gate = scope.gate();
      await scope.worker(workerYard, {
        queues: [opsTask.queue],
        handlers: [
          [
            opsTask,
            async () => {
              await gate.opened;
              return 'ok';
            },
          ],
        ],
      });
      const { id } = await producer.enqueue(opsTask, { n: 1 });
      const waiting = observer.jobs.waitFor(id, { timeout: scope.ms(10_000) });
      await waitForState(producer, id, 'running', scope.ms(3000));
      gate.open();
      expect(await waiting).toMatchObject({ id, state: 'completed', result: 'ok' });
    });

    gatedDescribe(env, 'operations/other-process', 'a subscriber in another process', () => {
      scopedTest(
        env,
        'sees the jobs of a worker in a third process, in order',
        async (scope) => {
          const producer = await scope.yard();
          const leaseMs = String(scope.ms(1000));
          const listener = spawnChild(scope, 'ops-child', [env.moduleUrl, scope.prefix, 'listen', leaseMs]);
          const worker = spawnChild(scope, 'ops-child', [env.moduleUrl, scope.prefix, 'work', leaseMs]);
          await listener.waitForLine(
            (line) => line === 'READY',
            scope.ms(20_000),
            'the listener to subscribe',
          );
          await worker.waitForLine((line) => line === 'READY', scope.ms(20_000), 'the worker to start');
          const jobs = await Promise.all(
            Array.from({ length: 5 }, (_, n) => producer.enqueue(opsTask, { n })),
          );
          const typesOf = (id: string) =>
            listener
              .lines()
              .filter((line) => line.startsWith('EVENT '))
              .map((line) => JSON.parse(line.slice(6)) as { type: string; jobId?: string })
              .filter((event) => event.jobId === id)
              .map((event) => event.type);
          for (const { id } of jobs) {
            await listener.waitForLine(
              () => typesOf(id).includes('completed'),
              scope.ms(10_000),
              `completed of ${id} in the listener`,
            );
            expect(typesOf(id)).toEqual(['enqueued', 'started', 'progress', 'completed']);
          }
          // Nothing else arrives afterwards (no duplicate deliveries).
          await sleep(scope.ms(200));
          for (const { id } of jobs) expect(typesOf(id)).toHaveLength(4);
        },
        60_000,
      );
    });
  });
}
