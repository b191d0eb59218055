/**
 * SQS (the fauxqs emulator, started in the harness's process unless `SQS_ENDPOINT` is set) with
 * the Redis job-state store. The store's connections are named after the run (`connectionName`
 * in its URL; its event connections carry the key namespace), so CLIENT KILL touches this run's
 * only. Malformed entries are messages sent straight to the run's SQS queues.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteQueueCommand,
  ListQueuesCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { redisStore, sqsAdapter } from '@switchyard/adapter-sqs';
import { deleteKeys, killNamedClients, REDIS_URL } from './redis-clients.ts';
import { addressOf, type ChaosBackend, split } from './types.ts';

let endpointStarted: Promise<string> | undefined;
let closeEmulator: (() => Promise<void>) | undefined;

/** The SQS endpoint: `SQS_ENDPOINT`, or a fauxqs started here (children inherit the variable). */
export function ensureSqsEndpoint(): Promise<string> {
  endpointStarted ??= (async () => {
    if (process.env.SQS_ENDPOINT) return process.env.SQS_ENDPOINT;
    const { startFauxqs } = await import('fauxqs');
    const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
    process.env.SQS_ENDPOINT = server.address;
    closeEmulator = () => server.stop();
    return server.address;
  })();
  return endpointStarted;
}

function endpoint(): string {
  const url = process.env.SQS_ENDPOINT;
  if (!url) throw new Error('SQS_ENDPOINT is not set: call ensureSqsEndpoint() in the harness first');
  return url;
}

function client(url = endpoint()): SQSClient {
  return new SQSClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** The store's key namespace of a run (a hash tag, as on Redis Cluster). */
const namespaceOf = (prefix: string) => `{chaos:${prefix}}`;

/** `url` with its host and port replaced through `route`. */
function routed(
  url: string,
  defaultPort: number,
  route: (s: { host: string; port: number }) => { host: string; port: number },
): URL {
  const parsed = new URL(url);
  const { host, port } = route(addressOf(url, defaultPort));
  parsed.hostname = host;
  parsed.port = String(port);
  return parsed;
}

/** The run's SQS queue URLs for `queue` (one per priority band). */
async function queueUrls(sqs: SQSClient, prefix: string, queue: string): Promise<string[]> {
  const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-${queue}-` }));
  return listed.QueueUrls ?? [];
}

export const sqsBackend: ChaosBackend = {
  name: 'sqs',
  services: () => [addressOf(endpoint(), 80), addressOf(REDIS_URL, 6379)],
  createAdapter(prefix, route) {
    const sqsUrl = routed(endpoint(), 80, route).href.replace(/\/$/, '');
    const redisUrl = routed(REDIS_URL, 6379, route);
    redisUrl.searchParams.set('connectionName', `chaos-${prefix}`);
    return sqsAdapter({
      client: client(sqsUrl),
      store: redisStore({ url: redisUrl.href, keyPrefix: namespaceOf(prefix) }),
      queuePrefix: prefix,
      createQueues: true,
      waitTimeSeconds: 2,
      retentionSweepIntervalMs: 5000,
    });
  },
  killConnections: (prefix) => killNamedClients(prefix),
  async writeMalformed(prefix, queue, count) {
    const sqs = client();
    const urls = await queueUrls(sqs, prefix, queue);
    if (urls.length === 0) throw new Error(`no SQS queue of "${queue}" for run ${prefix} yet`);
    const [text = 0, json = 0, unknown = 0] = split(count, 3);
    const bodies = [
      ...Array.from({ length: text }, (_, n) => `not json at all #${n}`),
      ...Array.from({ length: json }, (_, n) => JSON.stringify({ hello: 'world', n })),
      ...Array.from({ length: unknown }, () => JSON.stringify({ v: 1, id: randomUUID(), g: 0 })),
    ];
    for (let start = 0, batch = 0; start < bodies.length; start += 10, batch++) {
      const url = urls[batch % urls.length]!;
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: bodies
            .slice(start, start + 10)
            .map((body, index) => ({ Id: String(index), MessageBody: body })),
        }),
      );
    }
    sqs.destroy();
    return {
      'foreign message (not JSON)': text,
      'JSON of another shape': json,
      'doorbell of an unknown job': unknown,
    };
  },
  async cleanup(prefix) {
    await deleteKeys(`${namespaceOf(prefix)}:*`);
    const sqs = client();
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-` }));
    await Promise.all(
      (listed.QueueUrls ?? []).map((url) => sqs.send(new DeleteQueueCommand({ QueueUrl: url }))),
    );
    sqs.destroy();
  },
  async close() {
    await closeEmulator?.();
    closeEmulator = undefined;
  },
};
