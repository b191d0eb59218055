/**
 * Redis outages, through a TCP proxy the test cuts and restores (the shared Redis is never
 * stopped): calls fail fast with BackendUnavailableError, nothing is written later by a command
 * queued or in flight during the outage, and workers ride it out, logging it once.
 */
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import {
  BackendUnavailableError,
  createSwitchyard,
  defineTask,
  type Logger,
  type Switchyard,
  type Worker,
} from '@switchyard/core';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { eventually, uniquePrefix } from './harness.js';
import { REDIS_URL, requireRedis } from './redis-required.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

beforeAll(requireRedis);

const ran: number[] = [];
const count = defineTask({
  name: 'count',
  schema: z.object({ n: z.number().int() }),
  retry: { attempts: 3, backoff: { type: 'fixed', delay: 10 } },
  handler: ({ n }) => {
    ran.push(n);
    return { n };
  },
});

/** A logger that keeps every line. */
function recordingLogger(): Logger & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const log = (level: string) => (_fields: object, message?: string) => {
    lines.push({ level, message: message ?? '' });
  };
  const logger = {
    lines,
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    fatal: log('fatal'),
    child: () => logger,
  };
  return logger as unknown as Logger & { lines: typeof lines };
}

interface Setup {
  proxy: TcpProxy;
  yard: Switchyard;
  prefix: string;
  raw: Redis;
  logger: ReturnType<typeof recordingLogger>;
}

let setup: Setup | undefined;
const workers: Worker[] = [];

async function start(): Promise<Setup> {
  const url = new URL(REDIS_URL);
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
  const prefix = uniquePrefix();
  const logger = recordingLogger();
  const yard = createSwitchyard({
    adapter: bullmqAdapter({ connection: { host: '127.0.0.1', port: proxy.port }, prefix }),
    tasks: [count],
    logger,
    backendTimeout: '5s',
  });
  await yard.start();
  setup = { proxy, yard, prefix, raw: new Redis(REDIS_URL), logger };
  ran.length = 0;
  return setup;
}

afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.stop({ timeout: 0 });
  if (!setup) return;
  const { proxy, yard, raw, prefix } = setup;
  await proxy.restore().catch(() => undefined);
  await yard.close();
  await proxy.close();
  const keys = await raw.keys(`${prefix}:*`);
  if (keys.length > 0) await raw.del(...keys);
  raw.disconnect();
  setup = undefined;
});

/** Jobs waiting in BullMQ's structures of queue `default` (priority 5: prioritized), read straight from Redis. */
async function storedJobs(s: Setup): Promise<number> {
  return (
    (await s.raw.zcard(`${s.prefix}:default:prioritized`)) + (await s.raw.llen(`${s.prefix}:default:wait`))
  );
}

describe('bullmq: Redis unreachable', () => {
  it('enqueue fails at once with BackendUnavailableError, is not written later, and succeeds once Redis is back', async () => {
    const s = await start();
    await s.yard.enqueue(count, { n: 0 });
    await s.proxy.cut();
    const id = '01900000-0000-7000-8000-00000000beef';
    const began = performance.now();
    const refused = await s.yard.enqueue(count, { n: 1 }, { id }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(BackendUnavailableError);
    expect((refused as BackendUnavailableError).code).toBe('BACKEND_UNAVAILABLE');
    // Far inside backendTimeout (5 s): nothing waited for the connection.
    expect(performance.now() - began).toBeLessThan(1000);
    await expect(s.yard.jobs.counts()).rejects.toBeInstanceOf(BackendUnavailableError);
    await s.proxy.restore();
    await eventually(
      () =>
        s.yard.jobs.counts().then(
          () => true,
          () => false,
        ),
      'the adapter to reconnect',
      10_000,
    );
    // Nothing of the refused call was queued to be sent on reconnect.
    expect(await s.yard.jobs.get(id)).toBeNull();
    // The same enqueue (same id) now works.
    await s.yard.enqueue(count, { n: 1 }, { id });
    expect((await s.yard.jobs.get(id))?.payload).toEqual({ n: 1 });
    expect(await storedJobs(s)).toBe(2);
  });

  it('commands in flight when the connection drops are not resent after it is back', async () => {
    const s = await start();
    const jobs = Array.from({ length: 5000 }, (_, n) => ({ n }));
    // Drop the connection while the batch is on its way to Redis.
    const cutting = s.proxy.cutAfterBytes(64 * 1024);
    const outcome = await s.yard.enqueueMany(count, jobs).then(
      () => 'stored',
      (error: unknown) => error,
    );
    await cutting;
    expect(outcome).toBeInstanceOf(BackendUnavailableError);
    // Redis may still be running the commands that reached it before the cut (a script stores a
    // slice of 250 jobs at once): count once it has dropped the proxy's connections.
    await eventually(async () => {
      const clients = (await s.raw.client('LIST')) as string;
      return !s.proxy.upstreamPorts.some((port) => clients.includes(`addr=127.0.0.1:${port} `));
    }, 'Redis to drop the cut connections');
    const storedAtCut = await storedJobs(s);
    expect(storedAtCut).toBeLessThan(jobs.length);
    await s.proxy.restore();
    await eventually(
      () =>
        s.yard.jobs.counts().then(
          () => true,
          () => false,
        ),
      'the adapter to reconnect',
      10_000,
    );
    // ioredis would resend unanswered commands on reconnect; the command connection does not.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await storedJobs(s)).toBe(storedAtCut);
  });

  it('a worker rides the outage: stops taking jobs, reconnects, logs it once, and goes on', async () => {
    const s = await start();
    // Another producer whose own connection to Redis is fine.
    const direct = createSwitchyard({
      adapter: bullmqAdapter({ connection: REDIS_URL, prefix: s.prefix }),
      tasks: [count],
    });
    await direct.start();
    try {
      const worker = s.yard.createWorker({ concurrency: 2, leaseDuration: 3000, scheduler: false });
      workers.push(worker);
      await worker.start();
      const before = await s.yard.enqueue(count, { n: 1 });
      await s.yard.jobs.waitFor(before.id, { timeout: '5s' });
      await s.proxy.cut();
      const during = await direct.enqueue(count, { n: 2 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The worker cannot reach Redis: the job waits.
      expect((await direct.jobs.get(during.id))?.state).toBe('pending');
      expect(ran).toEqual([1]);
      await s.proxy.restore();
      expect(await direct.jobs.waitFor(during.id, { timeout: '10s' })).toMatchObject({ state: 'completed' });
      const after = await eventually(
        () =>
          s.yard.enqueue(count, { n: 3 }).then(
            (result) => result,
            () => null,
          ),
        'an enqueue after the outage',
        10_000,
      );
      expect(await s.yard.jobs.waitFor(after.id, { timeout: '10s' })).toMatchObject({ state: 'completed' });
      expect(ran).toEqual([1, 2, 3]);
    } finally {
      await direct.close();
    }
    await eventually(
      () => s.logger.lines.some((line) => line.message.startsWith('bullmq: reconnected to Redis')),
      'the recovery log line',
      10_000,
    );
    const adapterLines = s.logger.lines.filter(
      (line) =>
        line.message.startsWith('bullmq:') &&
        (line.level === 'info' || line.level === 'warn' || line.level === 'error'),
    );
    const lost = adapterLines.filter((line) => line.message.startsWith('bullmq: lost the connection'));
    const back = adapterLines.filter((line) => line.message.startsWith('bullmq: reconnected'));
    // The outage is logged once at warn, by core: the adapter's "lost the connection" line always
    // carries an outage error (Redis's, or its own when the socket closed without one), so core takes
    // it as the start of the outage and demotes it to debug, whichever of the two noticed first.
    const coreDown = s.logger.lines.filter(
      (line) => line.level === 'warn' && line.message.startsWith('switchyard: the backend is unavailable'),
    );
    expect(lost).toEqual([]);
    expect(coreDown).toHaveLength(1);
    expect(back.map((line) => line.level)).toEqual(['info']);
    // Nothing else from the adapter above debug, apart from the start-time settings check.
    const others = adapterLines.filter(
      (line) =>
        !lost.includes(line) && !back.includes(line) && !/persistence|evicts|CONFIG GET/.test(line.message),
    );
    expect(others).toEqual([]);
  });

  it('a yard closes right after an outage, while its worker and event connections still wait out their reconnect backoff', async () => {
    const s = await start();
    const worker = s.yard.createWorker({ concurrency: 1, scheduler: false });
    workers.push(worker);
    await worker.start();
    const events: string[] = [];
    await s.yard.subscribe((event) => events.push(event.type));
    const done = await s.yard.enqueue(count, { n: 1 });
    await s.yard.jobs.waitFor(done.id, { timeout: '5s' });
    await eventually(() => events.includes('completed'), 'the completed event', 5000);
    await s.proxy.cut();
    await eventually(
      () => s.logger.lines.some((line) => line.message.startsWith('switchyard: the backend is unavailable')),
      'the outage line',
      5000,
    );
    // Refused at once on every attempt, the riding connections now spend their time in ioredis'
    // backoff ("reconnecting"), where a plain disconnect() neither ends them nor rejects what
    // they have queued (the worker's blocking fetch, the event stream's XREAD). Redis comes back
    // and the yard closes at once, before any backoff timer fires.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await s.proxy.restore();
    await expect(s.yard.close()).resolves.toBeUndefined();
  });
});
