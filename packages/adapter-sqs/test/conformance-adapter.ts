/**
 * The conformance module of the SQS adapter: fauxqs in-process on a free port (or
 * `SQS_ENDPOINT`), the Redis job-state store at `REDIS_URL` with one key namespace per
 * test prefix. Plain erasable TypeScript: a crash test's child process runs it with
 * Node directly, and inherits `SQS_ENDPOINT` so it talks to the same emulator.
 */
import { DeleteQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { redisStore, sqsAdapter } from '@switchyard/adapter-sqs';
import type { ConformanceAdapterModule, RouteThroughProxy } from '@switchyard/conformance';
import type { JobState } from '@switchyard/core';
import { REDIS_URL, requireRedis } from '@switchyard/test-services';
import { Redis } from 'ioredis';

/** Where Redis is; the store's key namespace per prefix lives there. */
export { REDIS_URL };

/** The emulator (or real SQS) endpoint for this process: `SQS_ENDPOINT`, else a fauxqs started here. */
export async function sqsEndpoint(): Promise<string> {
  endpointPromise ??= openEndpoint();
  return endpointPromise;
}
let endpointPromise: Promise<string> | undefined;

async function openEndpoint(): Promise<string> {
  if (process.env.SQS_ENDPOINT) return process.env.SQS_ENDPOINT;
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  // Child processes (crash tests) inherit this and join the same emulator.
  process.env.SQS_ENDPOINT = server.address;
  return server.address;
}

/** An SQS client for `endpoint` with dummy credentials (the emulator does not check them). */
export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** Fails with a message naming the variable and how to start the service when one is unreachable. */
export async function assertServicesReachable(client: SQSClient, endpoint: string): Promise<void> {
  try {
    await client.send(new ListQueuesCommand({ MaxResults: 1 }));
  } catch (cause) {
    throw new Error(
      `SQS is unreachable at SQS_ENDPOINT=${endpoint} (unset SQS_ENDPOINT to start fauxqs in-process, or run: npx fauxqs): ${String(cause)}`,
    );
  }
  await requireRedis(REDIS_URL);
}

/** The Redis key namespace of one test prefix (a hash tag, so it also works on Redis Cluster). */
export function keyPrefixOf(prefix: string): string {
  return `{sqs-conformance:${prefix}}`;
}

const endpoint = await sqsEndpoint();
const client = sqsClient(endpoint);
await assertServicesReachable(client, endpoint);
const backdoor = new Redis(REDIS_URL, { lazyConnect: true });
// Failures surface as rejected commands in the hook that issued them.
backdoor.on('error', (error: Error) => {
  backdoorError = error;
});
/** The latest connection error of the backdoor client, for diagnosing a failing hook. */
export let backdoorError: Error | undefined;

/** The adapter the suite uses, on `client` and the Redis at `redisUrl`. */
function adapterOf(prefix: string, sqs: SQSClient, redisUrl: string) {
  return sqsAdapter({
    client: sqs,
    store: redisStore({ url: redisUrl, keyPrefix: keyPrefixOf(prefix) }),
    queuePrefix: prefix,
    createQueues: true,
    waitTimeSeconds: 1,
    pausedRecheckMs: 200,
    retentionSweepIntervalMs: 100,
  });
}

/** `url` with its host and port replaced by what `route` gives for them. */
async function routed(url: string, defaultPort: number, route: RouteThroughProxy): Promise<string> {
  const parsed = new URL(url);
  const { host, port } = await route({ host: parsed.hostname, port: Number(parsed.port || defaultPort) });
  parsed.hostname = host;
  parsed.port = String(port);
  return parsed.href.replace(/\/$/, '');
}

const mod: ConformanceAdapterModule = {
  createAdapter: ({ prefix }) => adapterOf(prefix, client, REDIS_URL),
  // Both services go through the proxies: an outage cuts SQS and the job-state store together.
  createAdapterThrough: async ({ prefix }, route) =>
    adapterOf(prefix, sqsClient(await routed(endpoint, 80, route)), await routed(REDIS_URL, 6379, route)),
  // Measured on fauxqs: SQS delays are whole seconds, so a due job or retry starts 600–925 ms
  // late (3 runs of the timing groups); a freed slot or release ≤ 20 ms. 1250 ms covers the rounding.
  deliveryLatencyMs: 1250,
  // The other kinds (priority, metadata, attempt) are the adapter owner's to add.
  corruptionKinds: ['payload'],
  corruptJob: async ({ prefix }, jobId) => {
    await backdoor.hset(`${keyPrefixOf(prefix)}:job:${jobId}`, 'data', '{"id": not json');
  },
  readRawState: async ({ prefix }, jobId) => {
    const state = await backdoor.hget(`${keyPrefixOf(prefix)}:job:${jobId}`, 'state');
    return state as JobState | null;
  },
  cleanup: async ({ prefix }) => {
    const pattern = `${keyPrefixOf(prefix)}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await backdoor.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
      cursor = next;
      if (keys.length > 0) await backdoor.del(...keys);
    } while (cursor !== '0');
    const listed = await client.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-` }));
    await Promise.all(
      (listed.QueueUrls ?? []).map((url) => client.send(new DeleteQueueCommand({ QueueUrl: url }))),
    );
  },
};
export default mod;
