/**
 * Latency of the job event stream: from `events.publish` on one adapter to `message` on a
 * subscriber of another adapter (its own connections), same machine; p50/p95 of 200 messages.
 *
 *   pnpm --filter @switchyard/core --filter @switchyard/adapter-bullmq build
 *   node packages/adapter-bullmq/test/figures/event-latency.ts
 */
import { randomBytes } from 'node:crypto';
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { silentLogger, systemClock } from '@switchyard/core';
import { REDIS_URL } from '@switchyard/test-services';
import { Redis } from 'ioredis';

const prefix = `syfig${randomBytes(3).toString('hex')}`;
const start = { logger: silentLogger, clock: systemClock, retention: {} };
const publisher = bullmqAdapter({ connection: REDIS_URL, prefix });
const subscriber = bullmqAdapter({ connection: REDIS_URL, prefix });
await publisher.start(start);
await subscriber.start(start);
const latencies: number[] = [];
let waiting: ((received: number) => void) | undefined;
const subscription = await subscriber.events.subscribe({
  message: () => waiting?.(performance.now()),
  gap: (reason) => console.warn('gap', reason),
});
for (let i = 0; i < 210; i++) {
  const received = new Promise<number>((resolve) => {
    waiting = resolve;
  });
  const sent = performance.now();
  await publisher.events.publish(`{"v":1,"e":[]}`);
  const at = await received;
  if (i >= 10) latencies.push(at - sent);
  await new Promise((resolve) => setTimeout(resolve, 2));
}
await subscription.close();
await publisher.close();
await subscriber.close();
latencies.sort((a, b) => a - b);
const pick = (q: number) => (latencies[Math.floor(q * (latencies.length - 1))] as number).toFixed(2);
console.log(`publish → subscriber: p50 ${pick(0.5)} ms, p95 ${pick(0.95)} ms (${latencies.length} messages)`);
const raw = new Redis(REDIS_URL);
await raw.del(`${prefix}::sy:events`);
raw.disconnect();
