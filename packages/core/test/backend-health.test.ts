import { describe, expect, it } from 'vitest';
import { BackendHealth, isOutageError, OUTAGE_TAIL_MS } from '../src/backend-health.js';
import { ManualClock } from '../src/clock.js';
import { AdapterError, BackendUnavailableError } from '../src/errors.js';
import { logger } from './logger-spy.js';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

describe('isOutageError', () => {
  it.each([
    ['BackendUnavailableError', new BackendUnavailableError('redis', 'no answer'), true],
    ['a refused connection', refused(), true],
    [
      'an adapter error caused by a reset',
      new AdapterError('pg', 'x', { cause: Object.assign(new Error('r'), { code: 'ECONNRESET' }) }),
      true,
    ],
    ['an adapter error of its own', new AdapterError('pg', 'syntax error'), false],
    ['a plain error', new Error('boom'), false],
    ['undefined', undefined, false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isOutageError(error)).toBe(expected);
  });
});

describe('BackendHealth', () => {
  it('logs an outage once when it begins and once when the backend answers again', async () => {
    const log = logger();
    const clock = new ManualClock(0);
    const health = new BackendHealth('bullmq', log, clock);
    expect(health.failed(new Error('not an outage'), 'enqueue')).toBe(false);
    expect(health.down).toBe(false);
    health.succeeded();
    expect(log.lines).toEqual([]);

    expect(health.failed(refused(), 'heartbeat')).toBe(true);
    expect(health.failed(refused(), 'settle')).toBe(true);
    expect(health.down).toBe(true);
    health.settledAfterOutage();
    expect(health.down).toBe(false);
    health.succeeded();

    await clock.advance(OUTAGE_TAIL_MS);
    health.failed(new BackendUnavailableError('bullmq', 'no answer'), 'enqueue');
    health.leaseLapsed();
    await clock.advance(2500);
    health.succeeded();

    expect(log.lines.map(({ level, obj }) => [level, (obj as { outage?: string }).outage ?? null])).toEqual([
      ['warn', 'down'],
      ['debug', null],
      ['info', 'up'],
      ['warn', 'down'],
      ['info', 'up'],
    ]);
    expect(log.lines[2]!.obj).toMatchObject({ downMs: 0, settledLate: 1, leasesLapsed: 0 });
    expect(log.lines[4]!.obj).toMatchObject({ downMs: 2500, settledLate: 0, leasesLapsed: 1 });
    expect(log.lines[4]!.msg).toMatch(
      /answers again after 2\.5 s \(0 job results settled late, 1 leases lapsed/,
    );
  });

  it('takes a connection error just after the backend answers again as the same outage (a connection not back yet)', async () => {
    const log = logger();
    const clock = new ManualClock(0);
    const health = new BackendHealth('bullmq', log, clock);
    health.failed(refused(), 'settle');
    await clock.advance(1500);
    health.succeeded();
    await clock.advance(OUTAGE_TAIL_MS - 1);
    expect(health.failed(refused(), 'publish events')).toBe(true);
    expect(health.down).toBe(false);
    health.succeeded();
    await clock.advance(1);
    expect(health.failed(refused(), 'heartbeat')).toBe(true);
    expect(health.down).toBe(true);

    expect(
      log.lines.map(({ level, obj, msg }) => [level, (obj as { outage?: string }).outage ?? msg]),
    ).toEqual([
      ['warn', 'down'],
      ['info', 'up'],
      ['debug', 'switchyard: a connection is not back yet after the outage'],
      ['warn', 'down'],
    ]);
    expect(log.lines[2]!.obj).toMatchObject({ call: 'publish events' });
  });

  it("turns the adapter's connection-error lines into outage signs logged at debug", () => {
    const log = logger();
    const health = new BackendHealth('pgboss', log, new ManualClock(0));
    const adapterLog = health.adapterLogger;
    adapterLog.error({ err: refused() }, 'pgboss: fetch failed; retrying');
    adapterLog.error({ err: refused() }, 'pgboss: fetch failed; retrying');
    adapterLog.warn({ err: new Error('a real bug') }, 'pgboss: something else');
    adapterLog.warn({ count: 3 }, 'pgboss: no error attached');
    adapterLog.info({}, 'pgboss: info passes');
    expect(log.lines.map(({ level, msg }) => [level, msg])).toEqual([
      ['warn', expect.stringMatching(/^switchyard: the backend is unavailable/)],
      ['debug', 'pgboss: fetch failed; retrying'],
      ['debug', 'switchyard: the backend is still unavailable'],
      ['debug', 'pgboss: fetch failed; retrying'],
      ['warn', 'pgboss: something else'],
      ['warn', 'pgboss: no error attached'],
      ['info', 'pgboss: info passes'],
    ]);
  });
});
