/**
 * A failed enqueue takes its records back only while they still wait: in strict order a record is
 * claimable from the ready index as soon as it is stored (any ticket picks the head), so a job can
 * be running before its own tickets' send has failed. Deleting it then would let the caller's retry
 * with the same id run it a second time (seen in the chaos suite's spool relay after an outage).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { LeaseInbox, newJob, newPrefix, startedAdaptersClosedAfterEach, testClient } from './support.js';

const adapterFor = startedAdaptersClosedAfterEach();

/** An SQS client whose SendMessageBatch calls, while `hold` is set, wait for it and then fail as a reset connection. */
function holdingClient(client: SQSClient): { client: SQSClient; hold(): () => void } {
  let gate: Promise<void> | undefined;
  const wrapped = new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown, ...rest: unknown[]) => {
        if (gate && command instanceof SendMessageBatchCommand) {
          await gate;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
  return {
    client: wrapped,
    hold() {
      let open!: () => void;
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return () => {
        open();
        gate = undefined;
      };
    },
  };
}

describe('enqueue take-back', () => {
  it('a job claimed before its tickets failed to send keeps its record: it runs once and completes', async () => {
    const held = holdingClient(await testClient());
    const adapter = await adapterFor(newPrefix(), { client: held.client });
    const now = Date.now();
    // A ticket in the queue that any worker can use to claim the ready index's head.
    await adapter.enqueue([newJob({ payload: 'first' }, now)]);
    const release = held.hold();
    // Due earlier, so it is the head; its own tickets' send waits, then fails.
    const urgent = newJob({ payload: 'urgent', runAt: new Date(now - 60_000) }, now);
    const enqueue = adapter.enqueue([urgent]).then(
      () => 'stored' as const,
      () => 'failed' as const,
    );
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 1, leaseDurationMs: 5_000 }, inbox.onLease);
    const lease = await inbox.next(8_000);
    expect(lease.job.id).toBe(urgent.id);
    release();
    expect(await enqueue).toBe('failed');
    // The failed enqueue did not take back a job that was already running.
    expect(await adapter.jobs.get(urgent.id)).toMatchObject({ state: 'running', attempt: 1 });
    await lease.complete('done');
    inbox.finish(lease);
    expect(await adapter.jobs.get(urgent.id)).toMatchObject({ state: 'completed', result: 'done' });
    // The caller retries with the same id: the job exists, nothing runs again.
    const [outcome] = await adapter.enqueue([urgent]);
    expect(outcome).toMatchObject({ status: 'duplicate' });
    await consumer.stop();
  });
});
