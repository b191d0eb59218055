import { describe, expect, it } from 'vitest';
import { callBackend, isConnectionError } from '../src/backend-call.js';
import { AdapterError, BackendUnavailableError, DuplicateJobError } from '../src/errors.js';

const withCode = (code: string) => Object.assign(new Error('x'), { code });

describe('isConnectionError', () => {
  it.each([
    ['ECONNREFUSED', withCode('ECONNREFUSED'), true],
    ['ECONNRESET', withCode('ECONNRESET'), true],
    ['pg admin shutdown', withCode('57P01'), true],
    ['ioredis closed', new Error('Connection is closed.'), true],
    ['pg terminated', new Error('Connection terminated unexpectedly'), true],
    ['in a cause', new Error('query failed', { cause: withCode('EPIPE') }), true],
    ['happy eyeballs', Object.assign(new AggregateError([withCode('ECONNREFUSED')]), {}), true],
    ['syntax error', withCode('42601'), false],
    ['plain error', new Error('boom'), false],
    ['not an error', 'ECONNREFUSED', false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isConnectionError(error)).toBe(expected);
  });
});

describe('callBackend', () => {
  it('returns the answer of a call within the deadline', async () => {
    await expect(callBackend('x', 'jobs.get', 1000, async () => 42)).resolves.toBe(42);
  });

  it('gives up at the deadline with BackendUnavailableError', async () => {
    const started = Date.now();
    const error = (await callBackend('redis', 'enqueue', 50, () => new Promise(() => {})).catch(
      (e: unknown) => e,
    )) as BackendUnavailableError;
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toBe('redis: enqueue got no answer within 50 ms');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('maps a lost connection to BackendUnavailableError with the cause, anything else to AdapterError', async () => {
    const refused = withCode('ECONNREFUSED');
    const down = await callBackend('pg', 'jobs.list', 1000, async () => Promise.reject(refused)).catch(
      (e) => e,
    );
    expect(down).toBeInstanceOf(BackendUnavailableError);
    expect(down.cause).toBe(refused);
    const wrapped = new AdapterError('pg', 'claim failed', { cause: refused });
    const rewrapped = await callBackend('pg', 'jobs.get', 1000, async () => Promise.reject(wrapped)).catch(
      (e) => e,
    );
    expect(rewrapped).toBeInstanceOf(BackendUnavailableError);
    const other = await callBackend('pg', 'jobs.get', 1000, async () =>
      Promise.reject(new Error('syntax')),
    ).catch((e) => e);
    expect(other).toBeInstanceOf(AdapterError);
    expect(other.message).toBe('pg: jobs.get failed: syntax');
    const typed = new DuplicateJobError('id-1');
    await expect(callBackend('pg', 'enqueue', 1000, async () => Promise.reject(typed))).rejects.toBe(typed);
  });
});
