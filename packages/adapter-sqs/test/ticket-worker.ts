/**
 * Child process of `tickets-crash.test.ts`: `node ticket-worker.ts <prefix> <leaseMs> <concurrency> [keep-messages]`.
 * Consumes the `work` queue of the strict-ordering SQS adapter (SQS_ENDPOINT, REDIS_URL from the
 * parent). A job whose payload has `hang: true` prints `STARTED <id>` and never settles; any other
 * is completed, then `COMPLETED <id>` is printed. With `keep-messages` its DeleteMessageBatch calls
 * never return, so every message stays undeleted. The parent kills it with SIGKILL.
 * Plain erasable TypeScript with no relative imports: Node runs it directly.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { redisStore, sqsAdapter } from '@switchyard/adapter-sqs';
import { type Lease, silentLogger, systemClock } from '@switchyard/core';
import { REDIS_URL } from '@switchyard/test-services';

const [prefix, leaseMs, concurrency, keep] = process.argv.slice(2);
if (!prefix || !leaseMs || !concurrency || !process.env.SQS_ENDPOINT) {
  process.stderr.write(
    'usage: SQS_ENDPOINT=... node ticket-worker.ts <prefix> <leaseMs> <concurrency> [keep-messages]\n',
  );
  process.exit(2);
}
const client = new SQSClient({
  endpoint: process.env.SQS_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
if (keep === 'keep-messages') {
  client.middlewareStack.add(
    (next, context) => async (args) =>
      context.commandName === 'DeleteMessageBatchCommand' ? new Promise<never>(() => {}) : next(args),
    { step: 'initialize', name: 'neverDelete' },
  );
}
const adapter = sqsAdapter({
  client,
  store: redisStore({
    url: REDIS_URL,
    // The same namespace as the parent's adapter (see `keyPrefixOf` in conformance-adapter.ts).
    keyPrefix: `{sqs-conformance:${prefix}}`,
  }),
  queuePrefix: prefix,
  waitTimeSeconds: 1,
});
await adapter.start({ clock: systemClock, logger: silentLogger, retention: {}, historyRetentionMs: 60_000 });
adapter.consume(
  ['work'],
  { concurrency: Number(concurrency), leaseDurationMs: Number(leaseMs) },
  async (lease: Lease) => {
    if ((lease.job.payload as { hang?: boolean }).hang) {
      process.stdout.write(`STARTED ${lease.job.id}\n`);
      await new Promise<never>(() => {});
    }
    await lease.complete('child');
    process.stdout.write(`COMPLETED ${lease.job.id}\n`);
  },
);
process.stdout.write('READY\n');
setInterval(() => {}, 60_000);
