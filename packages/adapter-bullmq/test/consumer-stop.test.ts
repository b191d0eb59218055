/**
 * `Consumer.stop()` on real Redis: once it resolves, the consumer takes no job, not even the
 * one whose arrival ends the blocking wait its worker was in when it stopped, and the
 * wake-up that wait took is passed on to the workers still running.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, newJob, startHarness } from './harness.js';
import { requireRedis } from './redis-required.js';

beforeAll(requireRedis);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('bullmq consumer stop', () => {
  it('a stopped consumer takes no job that arrives after stop, and a running one is woken for it', async () => {
    h = await startHarness();
    const harness = h;
    // This test's workers blocked in BullMQ's wait: BullMQ names their connections `<prefix>:…`
    // (other tests share the Redis server).
    const waiting = async () =>
      ((await harness.raw.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes(` name=${harness.prefix}:`) && line.includes(' cmd=bzpopmin')).length;
    const options = { concurrency: 1, leaseDurationMs: 30_000 };

    let leasedByStopped = 0;
    const stopping = harness.adapter.consume(['default'], options, async () => {
      leasedByStopped++;
    });
    await eventually(async () => (await waiting()) === 1, 'the first consumer waiting');
    const completed: string[] = [];
    const running = harness.adapter.consume(['default'], options, async (lease) => {
      await lease.complete(undefined);
      completed.push(lease.job.id);
    });
    // Redis wakes the client that has waited longest: the consumer about to stop.
    await eventually(async () => (await waiting()) === 2, 'both consumers waiting');
    await stopping.stop();

    const job = newJob();
    await harness.adapter.enqueue([job]);
    // Well within BullMQ's 5 s block timeout: the running consumer was woken, not timed out.
    await eventually(() => completed.includes(job.id), 'the running consumer completes the job', 2000);
    expect(leasedByStopped).toBe(0);
    // BullMQ's own event stream: the job turned active once, never taken and given back.
    const events = await harness.raw.xrange(`${harness.prefix}:default:events`, '-', '+');
    const activations = events.filter(([, fields]) => fields[1] === 'active' && fields[3] === job.id);
    expect(activations).toHaveLength(1);
    await running.stop();
  });
});
