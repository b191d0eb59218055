import { describe, expect, it } from 'vitest';
import {
  checkForeignJobsOption,
  InvalidOptionsError,
  MalformedJobError,
  mapForeignJob,
} from '../src/index.js';

interface Raw {
  id: string;
  data: unknown;
}

const raw: Raw = { id: '7', data: { order: 42 } };
const origin = { adapter: 'test', queue: 'orders', name: 'job 7' };

describe('mapForeignJob', () => {
  it('the task form takes the raw data as payload and keeps the given fields', () => {
    const mapped = mapForeignJob<Raw>(
      { task: 'ship', priority: 2, maxAttempts: null },
      raw,
      () => raw.data,
      origin,
    );
    expect(mapped).toEqual({ task: 'ship', priority: 2, maxAttempts: null, payload: { order: 42 } });
  });

  it('the function form returns what the function made of the raw job', () => {
    const mapped = mapForeignJob<Raw>(
      (job) => ({ task: 'ship', payload: { id: job.id }, metadata: { from: 'legacy' } }),
      raw,
      () => raw.data,
      origin,
    );
    expect(mapped).toEqual({ task: 'ship', payload: { id: '7' }, metadata: { from: 'legacy' } });
  });

  it('a mapping that throws makes the job malformed, naming the queue, the job and the cause', () => {
    const cause = new Error('no such customer');
    const call = () =>
      mapForeignJob<Raw>(
        () => {
          throw cause;
        },
        raw,
        () => raw.data,
        origin,
      );
    expect(call).toThrow(MalformedJobError);
    expect(call).toThrow('test: the foreignJobs mapping of queue "orders" threw on job 7: no such customer');
    try {
      call();
    } catch (error) {
      expect((error as MalformedJobError).cause).toBe(cause);
    }
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'ship'],
    ['no task', { payload: 1 }],
    ['an empty task', { task: '', payload: 1 }],
    ['a task that is not a string', { task: 3, payload: 1 }],
  ])('a mapping that returns %s makes the job malformed', (_name, result) => {
    expect(() =>
      mapForeignJob<Raw>(
        () => result as never,
        raw,
        () => raw.data,
        origin,
      ),
    ).toThrow('test: the foreignJobs mapping of queue "orders" returned no { task, payload } for job 7');
  });

  it.each([-1, 10, 1.5, Number.NaN])(
    'priority %s (outside 0..9) makes the job malformed, in either form',
    (priority) => {
      const message = `test: the foreignJobs mapping of queue "orders" gave job 7 priority ${priority} (0..9)`;
      expect(() => mapForeignJob<Raw>({ task: 'ship', priority }, raw, () => raw.data, origin)).toThrow(
        message,
      );
      expect(() =>
        mapForeignJob<Raw>(
          () => ({ task: 'ship', payload: 1, priority }),
          raw,
          () => raw.data,
          origin,
        ),
      ).toThrow(MalformedJobError);
    },
  );

  it('reads the raw data only for the task form', () => {
    let reads = 0;
    const data = () => {
      reads++;
      return raw.data;
    };
    mapForeignJob<Raw>(() => ({ task: 'ship', payload: 1 }), raw, data, origin);
    expect(reads).toBe(0);
    mapForeignJob<Raw>({ task: 'ship' }, raw, data, origin);
    expect(reads).toBe(1);
  });
});

describe('checkForeignJobsOption', () => {
  const where = { adapter: 'testAdapter', raw: 'the test job' };

  it('accepts task mappings and functions, and returns the option', () => {
    const option = {
      images: { task: 'resize', priority: 0, maxAttempts: null },
      mail: { task: 'send', maxAttempts: 3, priority: 9 },
      events: () => ({ task: 'notify', payload: 1 }),
    };
    expect(checkForeignJobsOption(option, where)).toBe(option);
  });

  it.each([
    [[], 'testAdapter: foreignJobs must be an object of queue name → mapping'],
    [null, 'testAdapter: foreignJobs must be an object of queue name → mapping'],
    [
      { images: 'resize' },
      `testAdapter: foreignJobs["images"] must be { task: '<task name>', ... } or a function of the test job`,
    ],
    [{ images: { task: '' } }, 'foreignJobs["images"] must be'],
    [{ images: null }, 'foreignJobs["images"] must be'],
    [
      { images: { task: 't', priority: 10 } },
      'testAdapter: foreignJobs["images"].priority must be an integer 0..9',
    ],
    [{ images: { task: 't', priority: 1.5 } }, '.priority must be an integer 0..9'],
    [
      { images: { task: 't', maxAttempts: 0 } },
      'testAdapter: foreignJobs["images"].maxAttempts must be a positive integer or null',
    ],
    [{ images: { task: 't', maxAttempts: 2.5 } }, '.maxAttempts must be a positive integer or null'],
  ])('refuses %j with InvalidOptionsError', (option, message) => {
    const check = () => checkForeignJobsOption(option as never, where);
    expect(check).toThrow(InvalidOptionsError);
    expect(check).toThrow(message);
  });
});
