/**
 * SQS side-by-side: the Switchyard SQS adapter (Redis job-state store, strict priority order from
 * the store's ready index) against `sqs-consumer` (batchSize 10, handleMessageBatch), on one fauxqs
 * emulator started in this process (or SQS_ENDPOINT), in the same run.
 *
 *   node bench/src/sqs.ts        (BENCH_JOBS=3000 BENCH_CONCURRENCY=20 REDIS_URL=... SQS_ENDPOINT=...)
 *
 * Needs built dist: `pnpm --filter @switchyard/core --filter @switchyard/adapter-sqs build`.
 * Measures: processing throughput of no-op jobs (all queued first, messages/s), and SQS API
 * calls per job in steady state by action (what real SQS bills), for both contenders.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ListQueuesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { redisStore, sqsAdapter } from '@switchyard/adapter-sqs';
import { type Lease, type Consumer as LeaseConsumer, silentLogger, systemClock } from '@switchyard/core';
import { REDIS_URL } from '@switchyard/test-services';
import { startFauxqs } from 'fauxqs';
import { Consumer } from 'sqs-consumer';
import { noopJob } from './adapter-measure.ts';
import { timeProcessing } from './measure.ts';
import { deleteKeys } from './redis-keys.ts';
import { sleep } from './wait.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Waits poll every 2 ms: the emulator and Redis share the two cores with this process. */
const POLL_MS = 2;

/** An SQS client that counts its API calls by action. */
function countingClient(endpoint: string): { client: SQSClient; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const client = new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      calls[action] = (calls[action] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, calls };
}

function perJob(calls: Record<string, number>, jobs: number): string {
  const total = Object.values(calls).reduce((sum, n) => sum + n, 0);
  const parts = Object.entries(calls)
    .sort()
    .map(([action, n]) => `${action} ${(n / jobs).toFixed(3)}`);
  return `${(total / jobs).toFixed(3)} calls/job (${parts.join(', ')})`;
}

interface Row {
  system: string;
  processPerSec: number;
  enqueueCalls: string;
  processCalls: string;
}

async function benchSwitchyard(endpoint: string): Promise<Row> {
  const prefix = `bsy${randomBytes(3).toString('hex')}`;
  const { client, calls } = countingClient(endpoint);
  const adapter = sqsAdapter({
    client,
    store: redisStore({ url: REDIS_URL, keyPrefix: `{bench:${prefix}}` }),
    queuePrefix: prefix,
    waitTimeSeconds: 1,
  });
  await adapter.start({ logger: silentLogger, clock: systemClock, retention: {} });
  const job = () => noopJob('bulk');
  await adapter.enqueue([job()]); // creates the queue outside the measurement
  for (const key of Object.keys(calls)) delete calls[key];
  for (let done = 0; done < JOBS; done += 500) {
    await adapter.enqueue(Array.from({ length: Math.min(500, JOBS - done) }, job));
  }
  const enqueueCalls = perJob(calls, JOBS);
  for (const key of Object.keys(calls)) delete calls[key];

  // The queue-creating job is processed too: wait for JOBS + 1, rate over JOBS as before.
  let completed = 0;
  let consumer: LeaseConsumer | undefined;
  const processPerSec =
    (await timeProcessing(
      JOBS + 1,
      () => completed,
      () => {
        consumer = adapter.consume(
          ['bulk'],
          { concurrency: CONCURRENCY, leaseDurationMs: 30_000 },
          async (lease: Lease) => {
            await lease.complete(undefined);
            completed++;
          },
        );
      },
      POLL_MS,
    )) *
    (JOBS / (JOBS + 1));
  await consumer?.stop();
  await adapter.close();
  const processCalls = perJob(calls, JOBS);
  await dropPrefix(client, prefix);
  return {
    system: `switchyard sqs adapter (concurrency ${CONCURRENCY}, Redis store)`,
    processPerSec,
    enqueueCalls,
    processCalls,
  };
}

async function benchSqsConsumer(endpoint: string): Promise<Row> {
  const prefix = `bsc${randomBytes(3).toString('hex')}`;
  const { client, calls } = countingClient(endpoint);
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-bulk` }));
  for (const key of Object.keys(calls)) delete calls[key];
  for (let done = 0; done < JOBS; done += 10) {
    const entries = Array.from({ length: Math.min(10, JOBS - done) }, (_, i) => ({
      Id: String(i),
      MessageBody: '{}',
    }));
    await client.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
  }
  const enqueueCalls = perJob(calls, JOBS);
  for (const key of Object.keys(calls)) delete calls[key];

  let completed = 0;
  let consumer: Consumer | undefined;
  const processPerSec = await timeProcessing(
    JOBS,
    () => completed,
    () => {
      consumer = Consumer.create({
        queueUrl: QueueUrl!,
        sqs: client,
        batchSize: 10,
        waitTimeSeconds: 1,
        // Its best documented setup: one handler call per received batch, acknowledged with one
        // DeleteMessageBatch (per-message `handleMessage` deletes each message with its own call).
        handleMessageBatch: async (messages) => {
          completed += messages.length;
          return messages;
        },
      });
      consumer.on('error', (error) => console.error('sqs-consumer error', error));
      consumer.start();
    },
    POLL_MS,
  );
  consumer?.stop({ abort: false });
  await sleep(200);
  const processCalls = perJob(calls, JOBS);
  await client.send(new DeleteQueueCommand({ QueueUrl }));
  return {
    system: 'sqs-consumer 15 (batchSize 10, handleMessageBatch)',
    processPerSec,
    enqueueCalls,
    processCalls,
  };
}

async function dropPrefix(client: SQSClient, prefix: string): Promise<void> {
  await deleteKeys(REDIS_URL, `{bench:${prefix}}:*`);
  const { QueueUrls } = await client.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-` }));
  await Promise.all((QueueUrls ?? []).map((QueueUrl) => client.send(new DeleteQueueCommand({ QueueUrl }))));
}

async function main(): Promise<void> {
  const server = process.env.SQS_ENDPOINT
    ? null
    : await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const endpoint = process.env.SQS_ENDPOINT ?? server!.address;
  const results: Record<string, Row[]> = {};
  // Alternate the contenders round by round so drift (GC, other load) hits both alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const run of [benchSwitchyard, benchSqsConsumer]) {
      const row = await run(endpoint);
      const rows = results[row.system] ?? [];
      rows.push(row);
      results[row.system] = rows;
    }
  }
  console.log(
    `SQS on ${process.env.SQS_ENDPOINT ? process.env.SQS_ENDPOINT : 'fauxqs in-process'}, ${JOBS} no-op jobs, ${ROUNDS} rounds (median)`,
  );
  const medians: Array<[string, number]> = [];
  for (const [system, rows] of Object.entries(results)) {
    const sorted = [...rows].sort((a, b) => a.processPerSec - b.processPerSec);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    medians.push([system, median.processPerSec]);
    console.log(`\n${system}`);
    console.log(
      `  processing: ${median.processPerSec.toFixed(0)} jobs/s (rounds: ${rows.map((r) => r.processPerSec.toFixed(0)).join(', ')})`,
    );
    console.log(`  enqueue:    ${median.enqueueCalls}`);
    console.log(`  processing: ${median.processCalls}`);
  }
  if (medians.length === 2) console.log(`\nratio: ${(medians[0]![1] / medians[1]![1]).toFixed(2)}x`);
  await server?.stop();
}

await main();
