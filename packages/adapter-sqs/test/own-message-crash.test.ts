/**
 * A job of a shared message that must run again (retry, release) moves to a message of its own.
 * A holder that dies at any point of that move must not strand the job: each crash point is
 * simulated by a call that never returns (the process stops there, as under SIGKILL), and a fresh
 * adapter must then run the job exactly once and leave no message behind. Redis store and memory store.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type JobStateStore, memoryStore, redisStore, sqsQueueName } from '@switchyard/adapter-sqs';
import type { Lease } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { keyPrefixOf, REDIS_URL, sqsClient, sqsEndpoint } from './conformance-adapter.js';
import {
  eventually,
  LeaseInbox,
  newJob,
  newPrefix,
  queueAttributes,
  startedAdaptersClosedAfterEach,
  testClient,
} from './support.js';

const adapterFor = startedAdaptersClosedAfterEach();

/** Calls that never return once armed; `end()` lets them fail so the dead adapter can be closed. */
class Hang {
  armed = false;
  private readonly stuck: Array<(error: Error) => void> = [];

  /** Calls stuck so far. */
  get stuckCalls(): number {
    return this.stuck.length;
  }

  forever<T>(): Promise<T> {
    return new Promise<T>((_, reject) => this.stuck.push(reject));
  }

  end(): void {
    this.armed = false;
    for (const reject of this.stuck.splice(0)) reject(new Error('the process is dead'));
  }
}

/** A store whose writes of `jobId` never return once armed (death before the record write). */
function storeDyingOnWrite(store: JobStateStore, hang: Hang, jobId: () => string): JobStateStore {
  const names = (writes: Array<{ job: { id: string } }>): boolean =>
    hang.armed && writes.some((write) => write.job.id === jobId());
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'updateJob')
        return (version: number, job: { id: string }) =>
          names([{ job }]) ? hang.forever() : value.call(target, version, job);
      if (property === 'updateJobs')
        return (writes: Array<{ job: { id: string } }>) =>
          names(writes) ? hang.forever() : value.call(target, writes);
      return value.bind(target);
    },
  });
}

/**
 * An SQS client whose sends, once armed, never return (before reaching SQS, or after SQS took the
 * message), or are refused with an error (the process lives on).
 */
async function clientDyingOnSend(hang: Hang, when: 'before' | 'after' | 'refused'): Promise<SQSClient> {
  const client = sqsClient(await sqsEndpoint());
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const send =
        context.commandName === 'SendMessageCommand' || context.commandName === 'SendMessageBatchCommand';
      if (!hang.armed || !send) return next(args);
      if (when === 'refused') throw new Error('SQS refused the send');
      if (when === 'after') await next(args);
      return hang.forever();
    },
    { step: 'initialize', name: 'dieOnSend' },
  );
  return client;
}

type CrashPoint =
  | 'before the record write'
  | 'between the record write and the send'
  | 'after the send'
  | 'when the send is refused';

const sendFault = {
  'between the record write and the send': 'before',
  'after the send': 'after',
  'when the send is refused': 'refused',
} as const;
type Move = 'retry' | 'release';

const stores = {
  redis: (prefix: string) => {
    // Each adapter its own connection to the same keys, as two processes would have.
    return () => redisStore({ url: REDIS_URL, keyPrefix: keyPrefixOf(prefix) });
  },
  memory: () => {
    const shared = memoryStore();
    return () => shared;
  },
};

/**
 * Three jobs share a message; the holder completes two and dies moving the third (`move`) at
 * `crash`. With `rescuerDies`, the first rescuer dies too, between its own record write and its
 * send of the job's message, and a second rescuer must still run it.
 */
async function dieWhileMoving(
  storeKind: keyof typeof stores,
  crash: CrashPoint,
  move: Move,
  rescuerDies = false,
): Promise<void> {
  await testClient();
  const prefix = newPrefix();
  const storeOf = stores[storeKind](prefix);
  const hang = new Hang();
  const jobs = Array.from({ length: 3 }, (_, n) => newJob({ payload: n }));
  const moving = jobs[0]!;
  const dying = await adapterFor(prefix, {
    jobsPerMessage: 10,
    store:
      crash === 'before the record write' ? storeDyingOnWrite(storeOf(), hang, () => moving.id) : storeOf(),
    ...(crash === 'before the record write'
      ? {}
      : { client: await clientDyingOnSend(hang, sendFault[crash]) }),
  });
  const rescuer = await adapterFor(prefix, { jobsPerMessage: 10, store: storeOf() });
  const rescuerHang = new Hang();
  try {
    await dying.enqueue(jobs);
    const lease = { concurrency: 3, leaseDurationMs: 1_000 };
    const held = new LeaseInbox();
    const holding = dying.consume(['work'], lease, held.onLease);
    const first: Lease[] = [await held.next(), await held.next(), await held.next()];
    for (const done of first) if (done.job.id !== moving.id) await done.complete('first holder');
    hang.armed = true;
    const mover = first.find((one) => one.job.id === moving.id)!;
    // The move never returns: the holder is dead from here on (no settlement, no heartbeat, no delete).
    const moved =
      move === 'retry'
        ? mover.retry(new Date(Date.now() + 1_000), { name: 'E', message: 'again' })
        : mover.release();
    void moved.catch(() => {});
    await holding.stop();

    if (crash === 'between the record write and the send' || crash === 'when the send is refused') {
      // The stranding case: the record waits under a new generation that no message names.
      await eventually(
        async () => {
          const state = (await rescuer.jobs.get(moving.id))?.state;
          return state === 'retrying' || state === 'pending' ? true : undefined;
        },
        3_000,
        'the moved record to be written',
      );
      const record = await rescuer.jobs.get(moving.id);
      expect(record).not.toHaveProperty('movedFrom');
      expect(record).not.toHaveProperty('doorbell');
      const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
      // Only the shared message, still undeleted (hidden until its lease runs out, then visible).
      expect(attributes.ApproximateNumberOfMessagesDelayed).toBe('0');
      expect(
        Number(attributes.ApproximateNumberOfMessages) +
          Number(attributes.ApproximateNumberOfMessagesNotVisible),
      ).toBe(1);
    }

    if (rescuerDies) {
      rescuerHang.armed = true;
      const doomed = await adapterFor(prefix, {
        jobsPerMessage: 10,
        store: storeOf(),
        client: await clientDyingOnSend(rescuerHang, 'before'),
      });
      const doomedInbox = new LeaseInbox();
      const doomedConsumer = doomed.consume(['work'], lease, doomedInbox.onLease);
      await eventually(
        async () => (rescuerHang.stuckCalls > 0 ? true : undefined),
        8_000,
        "the first rescuer's send of the job's message",
      );
      // Dead: it stops receiving, and its stuck send never finishes (so neither would awaiting stop()).
      void doomedConsumer.stop();
      expect(doomedInbox.waiting).toBe(0);
    }

    const rescued = new LeaseInbox();
    const rescuing = rescuer.consume(['work'], lease, rescued.onLease);
    const again = await rescued.next(8_000);
    expect(again.job.id).toBe(moving.id);
    await again.complete('rescuer');
    rescued.finish(again);
    // Every message gone: nothing left that could run any of the jobs again.
    await eventually(
      async () => {
        const { attributes } = await queueAttributes(sqsQueueName(prefix, 'work', 1));
        return attributes.ApproximateNumberOfMessages === '0' &&
          attributes.ApproximateNumberOfMessagesNotVisible === '0' &&
          attributes.ApproximateNumberOfMessagesDelayed === '0'
          ? true
          : undefined;
      },
      8_000,
      'every message to be deleted',
    );
    await rescuing.stop();
    expect(rescued.waiting).toBe(0);

    const diedBeforeWriting = crash === 'before the record write';
    // Died before writing: the record still says running, so the job is redelivered (attempt + 1).
    // Otherwise the retry counted its attempt and the release did not.
    expect(again.redelivered).toBe(diedBeforeWriting);
    expect(again.job.attempt).toBe(diedBeforeWriting || move === 'retry' ? 2 : 1);
    expect(await rescuer.jobs.get(moving.id)).toMatchObject({ state: 'completed', result: 'rescuer' });
    for (const job of jobs.slice(1))
      expect(await rescuer.jobs.get(job.id)).toMatchObject({ state: 'completed', result: 'first holder' });
  } finally {
    hang.end();
    rescuerHang.end();
  }
  // The dead holder's late outcome changes nothing.
  expect(await rescuer.jobs.get(moving.id)).toMatchObject({ state: 'completed', result: 'rescuer' });
}

const crashPoints: CrashPoint[] = [
  'before the record write',
  'between the record write and the send',
  'after the send',
  'when the send is refused',
];

for (const storeKind of ['redis', 'memory'] as const) {
  describe(`sqs: a holder dying while a shared message's job moves to its own message (${storeKind} store)`, () => {
    for (const move of ['retry', 'release'] as const) {
      for (const crash of crashPoints) {
        it(`${move}, dying ${crash}: a fresh adapter runs the job exactly once`, () =>
          dieWhileMoving(storeKind, crash, move));
      }
    }
    it('retry, dying between the write and the send, and the first rescuer dying the same way: a second rescuer runs it', () =>
      dieWhileMoving(storeKind, 'between the record write and the send', 'retry', true));
  });
}
