/**
 * The batch add script (`lua/add-batch.ts`) against BullMQ's own add: the same jobs stored both
 * ways on a real Redis must read the same, field by field, event by event, score by score.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addsInBatch } from '../src/enqueue-batch.js';
import { Scripts } from '../src/scripts.js';
import { uniquePrefix } from './harness.js';
import { REDIS_URL, requireRedis } from './redis-required.js';

describe('which jobs the batch add takes', () => {
  it('prioritized jobs due now, without a unique key', () => {
    expect(addsInBatch({ priority: 5 })).toBe(true);
    expect(addsInBatch({ priority: 1, removeOnComplete: { age: 60 } })).toBe(true);
    expect(addsInBatch({ priority: 0 })).toBe(false);
    expect(addsInBatch({})).toBe(false);
    expect(addsInBatch({ priority: 5, delay: 10 })).toBe(false);
    expect(addsInBatch({ priority: 5, deduplication: { id: 'task|key' } })).toBe(false);
  });
});

describe('the batch add script, read back against BullMQ', () => {
  beforeAll(requireRedis);

  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function setup() {
    const raw = new Redis(REDIS_URL);
    const open = (prefix: string) => {
      const queue = new Queue('q', { connection: { url: REDIS_URL }, prefix });
      closers.push(() => queue.obliterate({ force: true }).then(() => queue.close()));
      return queue;
    };
    closers.push(async () => {
      for (const prefix of prefixes) {
        const keys = await raw.keys(`${prefix}::sy:*`);
        if (keys.length > 0) await raw.del(...keys);
      }
      raw.disconnect();
    });
    const prefixes = [uniquePrefix(), uniquePrefix()];
    const [bullPrefix, batchPrefix] = prefixes as [string, string];
    const bull = open(bullPrefix);
    const batch = open(batchPrefix);
    await Promise.all([bull.waitUntilReady(), batch.waitUntilReady()]);
    const scripts = new Scripts(raw, batchPrefix);
    type Spec = { id: string; name: string; data: string; opts: Record<string, unknown>; timestamp: number };
    /** The same jobs, through BullMQ's addBulk on one prefix and the batch script on the other. */
    const addBoth = async (jobs: Spec[]) => {
      await bull.addBulk(
        jobs.map(({ id, name, data, opts }) => ({
          name,
          data: JSON.parse(data),
          opts: { ...opts, jobId: id },
        })),
      );
      return scripts.addBatch(
        batchPrefix,
        'q',
        jobs.flatMap(({ id, name, data, opts, timestamp }) => [
          id,
          name,
          data,
          JSON.stringify({ jobId: id, ...opts, attempts: 0 }),
          timestamp,
          opts.priority as number,
        ]),
      );
    };
    const key = (prefix: string, suffix: string) => `${prefix}:q:${suffix}`;
    return { raw, bull, batch, bullPrefix, batchPrefix, addBoth, key };
  }

  it('stores each job, its events, its score and the counters as BullMQ does, and indexes it', async () => {
    const { raw, bull, batch, bullPrefix, batchPrefix, addBoth, key } = await setup();
    const timestamp = 1_700_000_000_000;
    const jobs = [
      { id: 'a', priority: 5 },
      { id: 'b', priority: 1 },
      { id: 'c', priority: 5 },
    ].map(({ id, priority }) => ({
      id,
      name: 'task',
      data: `{"v":1,"payload":{"id":"${id}"}}`,
      opts: { timestamp, priority, removeOnComplete: { age: 60 } },
      timestamp,
    }));
    expect(await addBoth(jobs)).toBe(3);

    for (const { id } of jobs) {
      const [own, ours] = await Promise.all([
        raw.hgetall(key(bullPrefix, id)),
        raw.hgetall(key(batchPrefix, id)),
      ]);
      const { opts: ownOpts, ...ownRest } = own;
      const { opts: ourOpts, ...ourRest } = ours;
      expect(ourRest).toEqual(ownRest);
      expect(JSON.parse(ourOpts ?? '')).toEqual(JSON.parse(ownOpts ?? ''));
    }
    for (const suffix of ['prioritized', 'marker']) {
      expect(await raw.zrange(key(batchPrefix, suffix), 0, -1, 'WITHSCORES')).toEqual(
        await raw.zrange(key(bullPrefix, suffix), 0, -1, 'WITHSCORES'),
      );
    }
    for (const suffix of ['id', 'pc']) {
      expect(await raw.get(key(batchPrefix, suffix))).toBe(await raw.get(key(bullPrefix, suffix)));
    }
    const events = async (prefix: string) =>
      (await raw.xrange(key(prefix, 'events'), '-', '+')).map(([, fields]) => fields);
    expect(await events(batchPrefix)).toEqual(await events(bullPrefix));
    // BullMQ's own API reads them the same: b (priority 1) first, then a and c in order.
    expect((await batch.getPrioritized()).map((job) => job.id)).toEqual(
      (await bull.getPrioritized()).map((job) => job.id),
    );
    expect((await batch.getJob('b'))?.opts).toEqual((await bull.getJob('b'))?.opts);
    // The adapter's own writes ride along: the queue is known, every job indexed.
    expect(await raw.sismember(`${batchPrefix}::sy:queues`, 'q')).toBe(1);
    expect(await raw.zrange(`${batchPrefix}::sy:ids:q`, 0, -1)).toEqual(['a', 'b', 'c']);
  });

  it('leaves a job that exists under an id as it is, as BullMQ does', async () => {
    const { raw, batchPrefix, key } = await setup();
    const scripts = new Scripts(raw, batchPrefix);
    const add = (id: string, data: string) =>
      scripts.addBatch(batchPrefix, 'q', [id, 'task', data, `{"jobId":"${id}","priority":5}`, 1, 5]);
    expect(await add('x', '{"version":1}')).toBe(1);
    expect(await add('x', '{"version":2}')).toBe(0);
    expect(await raw.hget(key(batchPrefix, 'x'), 'data')).toBe('{"version":1}');
    expect(await raw.zcard(key(batchPrefix, 'prioritized'))).toBe(1);
    const last = (await raw.xrange(key(batchPrefix, 'events'), '-', '+')).at(-1)?.[1];
    expect(last).toEqual(['event', 'duplicated', 'jobId', 'x']);
  });

  it.each([
    ['paused', (queue: Queue) => queue.pause()],
    [
      'at its global concurrency',
      async (queue: Queue, raw: Redis, prefix: string) => {
        await queue.setGlobalConcurrency(1);
        await raw.lpush(`${prefix}:q:active`, 'running');
      },
    ],
  ])('sets no wake-up marker when the queue is %s, as BullMQ does', async (_, arrange) => {
    const { raw, batch, batchPrefix, key } = await setup();
    await arrange(batch, raw, batchPrefix);
    const scripts = new Scripts(raw, batchPrefix);
    await raw.del(key(batchPrefix, 'marker'));
    expect(
      await scripts.addBatch(batchPrefix, 'q', ['y', 'task', '{}', '{"jobId":"y","priority":5}', 1, 5]),
    ).toBe(1);
    expect(await raw.exists(key(batchPrefix, 'marker'))).toBe(0);
    expect(await batch.getJobCounts('prioritized')).toEqual({ prioritized: 1 });
  });
});
