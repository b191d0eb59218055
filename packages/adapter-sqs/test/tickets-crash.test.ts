/**
 * Strict ordering under crashes: a worker process SIGKILLed with jobs claimed (before or after
 * settling them, its messages undeleted), and a holder dying while a job moves to a ticket of its
 * own. No job is lost, none that finished runs again, and what was running runs again once
 * (redelivered), in strict order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Lease } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sqsClient, sqsEndpoint } from './conformance-adapter.js';
import {
  eventually,
  LeaseInbox,
  newJob,
  newPrefix,
  queueAttributes,
  sqsQueueOf,
  startedAdaptersClosedAfterEach,
  testClient,
} from './support.js';

const adapterFor = startedAdaptersClosedAfterEach();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Starts `ticket-worker.ts` and resolves once it printed `count` lines matching `pattern`. */
async function worker(
  prefix: string,
  options: { leaseMs: number; concurrency: number; keepMessages?: boolean },
  pattern: RegExp,
  count: number,
): Promise<{ child: ChildProcess; lines: string[] }> {
  await testClient();
  const script = fileURLToPath(new URL('./ticket-worker.ts', import.meta.url));
  const args = [script, prefix, String(options.leaseMs), String(options.concurrency)];
  if (options.keepMessages) args.push('keep-messages');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = () => stdout.split('\n').filter((line) => pattern.test(line));
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}): ${stderr}`);
      return lines().length >= count ? true : undefined;
    },
    10_000,
    `${count} lines matching ${pattern} from the worker (stderr: ${stderr})`,
  );
  return { child, lines: lines() };
}

/** SIGKILL, and the exit. */
async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function queueDrained(prefix: string): Promise<void> {
  await eventually(
    async () => {
      const { attributes } = await queueAttributes(sqsQueueOf(prefix));
      const left =
        Number(attributes.ApproximateNumberOfMessages) +
        Number(attributes.ApproximateNumberOfMessagesNotVisible) +
        Number(attributes.ApproximateNumberOfMessagesDelayed);
      return left === 0 ? true : undefined;
    },
    10_000,
    'every message to be deleted',
  );
}

describe('sqs strict ordering: crashes', () => {
  it('a worker SIGKILLed with jobs claimed: finished ones never run again, the rest run once more, redelivered, in strict order', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const jobs = Array.from({ length: 6 }, (_, n) =>
      newJob({ payload: { n, hang: n % 2 === 1 }, priority: 9 - n }),
    );
    await adapter.enqueue(jobs);
    const { child, lines } = await worker(
      prefix,
      { leaseMs: 1_000, concurrency: 6 },
      /^(STARTED|COMPLETED) /,
      6,
    );
    expect(lines.filter((line) => line.startsWith('COMPLETED'))).toHaveLength(3);
    await kill(child);
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 1, leaseDurationMs: 5_000 }, inbox.onLease);
    const rerun: Lease[] = [];
    for (let n = 0; n < 3; n++) {
      const lease = await inbox.next(8_000);
      rerun.push(lease);
      await lease.complete('parent');
      inbox.finish(lease);
    }
    // Priority 9 - n: the hanging jobs n = 5, 3, 1 come back most urgent first.
    expect(rerun.map((lease) => (lease.job.payload as { n: number }).n)).toEqual([5, 3, 1]);
    expect(rerun.every((lease) => lease.redelivered && lease.job.attempt === 2)).toBe(true);
    await queueDrained(prefix);
    await consumer.stop();
    expect(inbox.waiting).toBe(0);
    for (const job of jobs) {
      const { n, hang } = job.payload as { n: number; hang: boolean };
      expect(await adapter.jobs.get(job.id), `job ${n}`).toMatchObject({
        state: 'completed',
        result: hang ? 'parent' : 'child',
        attempt: hang ? 2 : 1,
      });
    }
  });

  it('a worker SIGKILLed after finishing every job but before deleting its messages: nothing runs again', async () => {
    const prefix = newPrefix();
    const adapter = await adapterFor(prefix);
    const jobs = Array.from({ length: 5 }, (_, n) => newJob({ payload: { n } }));
    await adapter.enqueue(jobs);
    const { child } = await worker(
      prefix,
      { leaseMs: 1_000, concurrency: 5, keepMessages: true },
      /^COMPLETED /,
      5,
    );
    await kill(child);
    const { attributes } = await queueAttributes(sqsQueueOf(prefix));
    expect(attributes.ApproximateNumberOfMessagesNotVisible).toBe('1');
    const inbox = new LeaseInbox();
    const consumer = adapter.consume(['work'], { concurrency: 2, leaseDurationMs: 5_000 }, inbox.onLease);
    // The message comes back after its 1 s visibility timeout, finds its jobs finished and nothing ready.
    await queueDrained(prefix);
    await consumer.stop();
    expect(inbox.waiting).toBe(0);
    expect(adapter.doorbells.emptyTickets).toBe(5);
    for (const job of jobs)
      expect(await adapter.jobs.get(job.id)).toMatchObject({ state: 'completed', attempt: 1 });
  });

  for (const when of ['before', 'after'] as const) {
    it(`a holder dying while a retried job gets its own ticket (${when} SQS took it): the job runs once more`, async () => {
      const prefix = newPrefix();
      const hang = { armed: false, stuck: [] as Array<(error: Error) => void> };
      const client: SQSClient = sqsClient(await sqsEndpoint());
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (!hang.armed || context.commandName !== 'SendMessageCommand') return next(args);
          if (when === 'after') await next(args);
          return new Promise<never>((_, reject) => hang.stuck.push(reject));
        },
        { step: 'initialize', name: 'dieOnSend' },
      );
      const holder = await adapterFor(prefix, { client });
      const rescuer = await adapterFor(prefix);
      try {
        const jobs = Array.from({ length: 3 }, (_, n) => newJob({ payload: n }));
        await holder.enqueue(jobs);
        const held = new LeaseInbox();
        const holding = holder.consume(['work'], { concurrency: 3, leaseDurationMs: 1_000 }, held.onLease);
        const first = [await held.next(), await held.next(), await held.next()];
        const mover = first.find((lease) => lease.job.payload === 0)!;
        for (const lease of first) if (lease !== mover) await lease.complete('holder');
        hang.armed = true;
        void mover.retry(new Date(Date.now() + 300), { name: 'E', message: 'again' }).catch(() => {});
        await eventually(async () => (hang.stuck.length > 0 ? true : undefined), 3_000, 'the stuck send');
        // The holder is dead from here on: no settlement, no heartbeat, no delete.
        void holding.stop();
        expect(await rescuer.jobs.get(mover.job.id)).toMatchObject({ state: 'retrying' });
        const rescued = new LeaseInbox();
        const rescuing = rescuer.consume(
          ['work'],
          { concurrency: 2, leaseDurationMs: 1_000 },
          rescued.onLease,
        );
        const again = await rescued.next(8_000);
        expect(again.job).toMatchObject({ id: mover.job.id, attempt: 2 });
        expect(again.redelivered).toBe(false);
        await again.complete('rescuer');
        rescued.finish(again);
        await queueDrained(prefix);
        await rescuing.stop();
        expect(rescued.waiting).toBe(0);
        for (const job of jobs)
          expect(await rescuer.jobs.get(job.id)).toMatchObject({
            state: 'completed',
            result: job.payload === 0 ? 'rescuer' : 'holder',
          });
      } finally {
        hang.armed = false;
        for (const reject of hang.stuck.splice(0)) reject(new Error('the process is dead'));
      }
    });
  }
});
