/**
 * Measures the operations figures on the Redis job-state store with 100,000 stored jobs: the
 * first page of `jobs.list` with filters, and `yard.stats.summary()`, p50 (and p90) over 20
 * runs each; and how long an event message takes from `publish` on one store (process) to a
 * subscriber on another. SQS is fauxqs in-process (or SQS_ENDPOINT).
 *
 *   pnpm --filter @switchyard/core --filter @switchyard/adapter-sqs build
 *   node packages/adapter-sqs/scripts/measure-operations.ts
 *
 * Uses REDIS_URL (default redis://127.0.0.1:6379) under a key prefix of its own, deleted at the end.
 */
import { randomBytes } from 'node:crypto';
import { DeleteQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { redisStore, sqsAdapter } from '@switchyard/adapter-sqs';
import {
  createSwitchyard,
  type ListJobsQuery,
  type NewJob,
  newJobId,
  normalizeListQuery,
  silentLogger,
  systemClock,
} from '@switchyard/core';
import { Redis } from 'ioredis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const JOBS = 100_000;
const RUNS = 20;

function job(n: number, now: number): NewJob {
  const metadata: Record<string, string> = { tenant: `t${n % 10}` };
  if (n % 1000 === 0) metadata.rare = 'yes';
  return {
    id: newJobId(now),
    task: `task${n % 5}`,
    queue: ['emails', 'reports', 'billing'][n % 3]!,
    payload: { n, kind: ['a', 'b', 'c', 'd'][n % 4], user: { id: n % 1000 }, note: 'x'.repeat(40) },
    priority: 5,
    createdAt: new Date(now),
    runAt: new Date(n % 33 === 0 ? now + 3_600_000 : now - (JOBS - n)),
    maxAttempts: 3,
    metadata,
  };
}

function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function timed(what: string, runs: number, fn: () => Promise<unknown>): Promise<void> {
  await fn(); // warm-up (scripts loaded, connections open)
  const samples: number[] = [];
  let result: unknown;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    result = await fn();
    samples.push(performance.now() - start);
  }
  const size = (result as { jobs?: unknown[] }).jobs?.length;
  console.log(
    `${what.padEnd(58)} p50 ${percentile(samples, 0.5).toFixed(1).padStart(6)} ms   p90 ${percentile(samples, 0.9).toFixed(1).padStart(6)} ms${size === undefined ? '' : `   (${size} jobs)`}`,
  );
}

async function sqsEndpoint(): Promise<string> {
  if (process.env.SQS_ENDPOINT) return process.env.SQS_ENDPOINT;
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  return server.address;
}

/** Publish on one store, receive on another (two connections, as two processes): 200 messages one by one. */
async function measureEventLatency(): Promise<void> {
  const publisher = redisStore({ url: REDIS_URL, keyPrefix });
  const subscriber = redisStore({ url: REDIS_URL, keyPrefix });
  await Promise.all([publisher.connect(), subscriber.connect()]);
  let arrived: (() => void) | null = null;
  const subscription = await subscriber.events.subscribe({ message: () => arrived?.(), gap: () => {} });
  const samples: number[] = [];
  for (let n = 0; n < 200; n++) {
    const received = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const start = performance.now();
    await publisher.events.publish(`{"v":1,"e":[]}`);
    await received;
    samples.push(performance.now() - start);
  }
  await subscription.close();
  await Promise.all([publisher.close(), subscriber.close()]);
  console.log(
    `event publish → subscriber on another connection, 200 messages: p50 ${percentile(samples, 0.5).toFixed(2)} ms, p95 ${percentile(samples, 0.95).toFixed(2)} ms\n`,
  );
}

const prefix = `m${randomBytes(4).toString('hex')}`;
const keyPrefix = `{sqs-measure:${prefix}}`;
const client = new SQSClient({
  endpoint: await sqsEndpoint(),
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const adapter = sqsAdapter({ client, store: redisStore({ url: REDIS_URL, keyPrefix }), queuePrefix: prefix });
const context = {
  logger: silentLogger,
  clock: systemClock,
  retention: {},
  historyRetentionMs: 7 * 86_400_000,
};
await adapter.start(context);
try {
  await measureEventLatency();
  const now = Date.now();
  const started = performance.now();
  for (let start = 0; start < JOBS; start += 1_000) {
    await adapter.enqueue(Array.from({ length: 1_000 }, (_, k) => job(start + k, now - JOBS + start + k)));
  }
  // A mix of states: every 7th job cancelled (a bulk action in pages of 1,000).
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await adapter.jobs.list({
      ...normalizeListQuery({ state: 'pending', limit: 1_000 }),
      ...(cursor ? { cursor } : {}),
    });
    ids.push(...page.jobs.map((stored) => stored.id));
    cursor = page.nextCursor;
  } while (cursor);
  for (let start = 0; start < ids.length; start += 7_000) {
    const page = ids.slice(start, start + 7_000).filter((_, index) => index % 7 === 0);
    await adapter.jobs.bulk(page, 'cancel', ['pending']);
  }
  console.log(
    `seeded ${JOBS} jobs in ${((performance.now() - started) / 1000).toFixed(1)} s:`,
    await adapter.jobs.counts(),
  );

  const list = (query: ListJobsQuery) => () => adapter.jobs.list(normalizeListQuery(query));
  console.log(`\njobs.list first page (limit 50, scan budget 5000), ${RUNS} runs:`);
  await timed(
    'state pending + metadata tenant=t3',
    RUNS,
    list({ state: 'pending', metadata: { tenant: 't3' } }),
  );
  await timed('payload kind="b"', RUNS, list({ payload: { kind: 'b' } }));
  await timed('payload user={id:7} + queue', RUNS, list({ payload: { user: { id: 7 } }, queue: 'reports' }));
  await timed('state cancelled (index only)', RUNS, list({ state: 'cancelled' }));
  await timed('task + queue (index + indexed field)', RUNS, list({ task: 'task2', queue: 'billing' }));
  await timed(
    'metadata rare=yes (1 in 1000: runs into the budget)',
    RUNS,
    list({ metadata: { rare: 'yes' } }),
  );
  await timed(
    'createdBefore the oldest 1% (runs into the budget)',
    RUNS,
    list({ createdBefore: now - JOBS + 1_000 }),
  );
  await timed('no filter, limit 1000', RUNS, list({ limit: 1_000 }));

  const yard = createSwitchyard({ adapter });
  await yard.start();
  console.log(`\nyard.stats.summary(), ${RUNS} runs:`);
  await timed('stats.summary()', RUNS, () => yard.stats.summary());
  await yard.close();
} finally {
  await adapter.close();
  const backdoor = new Redis(REDIS_URL);
  let scan = '0';
  do {
    const [next, keys] = await backdoor.scan(scan, 'MATCH', `${keyPrefix}:*`, 'COUNT', 10_000);
    scan = next;
    if (keys.length > 0) await backdoor.del(...keys);
  } while (scan !== '0');
  backdoor.disconnect();
  const listed = await client.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-` }));
  await Promise.all(
    (listed.QueueUrls ?? []).map((url) => client.send(new DeleteQueueCommand({ QueueUrl: url }))),
  );
  process.exit(0);
}
