/**
 * Long polls on a connection that breaks, through a TCP proxy between the adapter and fauxqs: a
 * long poll answered on a dead connection hides what it took only for a few seconds (not a whole
 * lease), and a receive that never answers (a half-open connection) is given up, so a new job
 * does not wait one full visibility timeout, or forever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sqsClient, sqsEndpoint } from './conformance-adapter.js';
import { LeaseInbox, newJob, newPrefix, startedAdaptersClosedAfterEach } from './support.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const adapterFor = startedAdaptersClosedAfterEach();
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

/** The lease is 30 s: before the fix, a job taken by a dead long poll waited all of it. */
const LEASE = { concurrency: 1, leaseDurationMs: 30_000 };

async function setUp(waitTimeSeconds: number) {
  const prefix = newPrefix();
  const proxy = await startTcpProxy(await sqsEndpoint());
  proxies.push(proxy);
  const consumerSide = await adapterFor(prefix, { client: sqsClient(proxy.url), waitTimeSeconds });
  const producer = await adapterFor(prefix);
  const inbox = new LeaseInbox();
  const consumer = consumerSide.consume(['work'], LEASE, inbox.onLease);
  // Idle: its long poll waits on the emulator.
  const deadline = Date.now() + 5_000;
  while ((consumerSide.apiCalls.ReceiveMessage ?? 0) < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { proxy, consumerSide, producer, inbox, consumer };
}

describe('sqs long polls on broken connections', () => {
  it('connections cut during a long poll: a new job runs within seconds, not after the 30 s lease', async () => {
    const { proxy, producer, inbox, consumer } = await setUp(20);
    proxy.cut();
    const job = newJob({ payload: 'after the cut' });
    const enqueuedAt = Date.now();
    await producer.enqueue([job]);
    const lease = await inbox.next(15_000);
    const waited = Date.now() - enqueuedAt;
    expect(lease.job.id).toBe(job.id);
    expect(waited).toBeLessThan(10_000);
    await lease.complete(undefined);
    inbox.finish(lease);
    await consumer.stop();
  });

  it('a half-open connection that never answers: the receive is given up and polling goes on', async () => {
    const { proxy, consumerSide, producer, inbox, consumer } = await setUp(2);
    proxy.freeze();
    const job = newJob({ payload: 'after the freeze' });
    const enqueuedAt = Date.now();
    await producer.enqueue([job]);
    const lease = await inbox.next(20_000);
    const waited = Date.now() - enqueuedAt;
    expect(lease.job.id).toBe(job.id);
    // Given up 2 s + 5 s after it started; what it took is visible again 5 s after it took it.
    expect(waited).toBeLessThan(12_000);
    expect(consumerSide.doorbells.abandonedPolls).toBeGreaterThanOrEqual(1);
    await lease.complete(undefined);
    inbox.finish(lease);
    await consumer.stop();
  });
});
