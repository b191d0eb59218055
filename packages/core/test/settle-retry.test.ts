import { describe, expect, it } from 'vitest';
import { BackendHealth } from '../src/backend-health.js';
import { ManualClock } from '../src/clock.js';
import { silentLogger } from '../src/logger.js';
import {
  nextSettleTry,
  SettleLapsedError,
  type SettleRetryContext,
  settleDespiteOutage,
  settleRetryDelay,
} from '../src/settle-retry.js';
import { SettleWatchdog } from '../src/settle-watchdog.js';
import { logger } from './logger-spy.js';

const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('settle retry policy', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
    [20, 1000],
  ])('after %i failures it waits %i ms', (failures, ms) => {
    expect(settleRetryDelay(failures)).toBe(ms);
  });

  it.each([
    ['well before the deadline', 0, 1, 1000, 100],
    ['just in time (50 ms left for the try)', 0, 1, 150, 100],
    ['too late for a useful try', 0, 1, 149, null],
    ['past the deadline', 2000, 3, 1000, null],
  ])('%s', (_name, now, failures, deadline, expected) => {
    expect(nextSettleTry(now, failures, deadline)).toBe(expected);
  });
});

/** A settle call scripted by outcome: 'ok', 'down' (connection reset), 'bug', or 'hang'. */
function scripted(outcomes: Array<'ok' | 'down' | 'bug' | 'hang'>) {
  const calls: number[] = [];
  let index = 0;
  const call = (clock: ManualClock) => (): Promise<void> => {
    calls.push(clock.now());
    const outcome = outcomes[Math.min(index++, outcomes.length - 1)];
    if (outcome === 'ok') return Promise.resolve();
    if (outcome === 'down') return Promise.reject(reset());
    if (outcome === 'bug') return Promise.reject(new Error('a bug'));
    return new Promise(() => {});
  };
  return { call, calls };
}

function setup(leaseDurationMs = 3000) {
  const clock = new ManualClock(0);
  const log = logger();
  const health = new BackendHealth('test', log, clock);
  const watchdog = new SettleWatchdog(clock, SettleWatchdog.checkEveryMsFor(leaseDurationMs));
  const context: SettleRetryContext = { adapter: 'test', health, clock, leaseDurationMs, watchdog };
  return { clock, log, health, context };
}

/** Runs the clock in steps until `promise` settles. */
async function settle<T>(clock: ManualClock, promise: Promise<T>, stepMs = 50, maxMs = 60_000): Promise<T> {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  watched.catch(() => {});
  // Let what happens now happen at this instant before time moves.
  await clock.advance(0);
  for (let waited = 0; !done && waited < maxMs; waited += stepMs) await clock.advance(stepMs);
  return watched;
}

describe('settleDespiteOutage', () => {
  it('a settle that goes through is not touched', async () => {
    const { clock, log, context } = setup();
    const { call, calls } = scripted(['ok']);
    const again = call(clock);
    await settleDespiteOutage(again(), again, 0, context, silentLogger);
    expect(calls).toEqual([0]);
    expect(log.lines).toEqual([]);
  });

  it('rides an outage: tries again with backoff and stores the outcome once the backend answers', async () => {
    const { clock, log, context } = setup();
    const { call, calls } = scripted(['down', 'down', 'down', 'ok']);
    const again = call(clock);
    await settle(clock, settleDespiteOutage(again(), again, 0, context, silentLogger), 10);
    expect(calls).toEqual([0, 100, 300, 700]);
    expect(log.lines.filter((line) => line.level !== 'debug').map((line) => line.level)).toEqual([
      'warn',
      'info',
    ]);
    expect(log.lines.at(-1)!.obj).toMatchObject({ outage: 'up', settledLate: 1, leasesLapsed: 0 });
  });

  it('gives the outcome up when the lease would lapse first; the job will be redelivered', async () => {
    const { clock, health, log, context } = setup(1000);
    const { call, calls } = scripted(['down']);
    const again = call(clock);
    const outcome = settle(clock, settleDespiteOutage(again(), again, 0, context, silentLogger), 10);
    await expect(outcome).rejects.toBeInstanceOf(SettleLapsedError);
    await expect(outcome).rejects.toMatchObject({ code: 'LEASE_EXPIRED' });
    // Tries at 0, 100, 300, 700; the next (1500) would come after the deadline (1000).
    expect(calls).toEqual([0, 100, 300, 700]);
    health.succeeded();
    expect(log.lines.at(-1)!.obj).toMatchObject({ outage: 'up', leasesLapsed: 1 });
  });

  it('counts from the last renewal of the lease, not from the end of the handler', async () => {
    const { clock, context } = setup(1000);
    await clock.advance(900);
    const { call, calls } = scripted(['down']);
    const again = call(clock);
    await expect(
      settle(clock, settleDespiteOutage(again(), again, 0, context, silentLogger), 10),
    ).rejects.toBeInstanceOf(SettleLapsedError);
    expect(calls).toEqual([900]);
  });

  it('a call that hangs is given up at the deadline', async () => {
    const { clock, context } = setup(1000);
    const { call, calls } = scripted(['hang']);
    const again = call(clock);
    await expect(
      settle(clock, settleDespiteOutage(again(), again, 0, context, silentLogger), 50),
    ).rejects.toBeInstanceOf(SettleLapsedError);
    expect(calls).toEqual([0]);
  });

  it('any other failure is not retried', async () => {
    const { clock, log, context } = setup();
    const { call, calls } = scripted(['bug']);
    const again = call(clock);
    await expect(settleDespiteOutage(again(), again, 0, context, silentLogger)).rejects.toThrow('a bug');
    expect(calls).toEqual([0]);
    expect(log.lines).toEqual([]);
  });

  it('a retry that fails for another reason ends the ride with that error', async () => {
    const { clock, context } = setup();
    const { call, calls } = scripted(['down', 'bug']);
    const again = call(clock);
    await expect(
      settle(clock, settleDespiteOutage(again(), again, 0, context, silentLogger), 10),
    ).rejects.toMatchObject({ code: 'ADAPTER_ERROR' });
    expect(calls).toEqual([0, 100]);
  });
});
