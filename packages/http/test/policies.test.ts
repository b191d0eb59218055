/** Pure policy: tokens, redaction, error mapping, option checks, asset paths, history defaults (table-driven). */
import { createHash } from 'node:crypto';
import {
  AdapterError,
  BackendUnavailableError,
  CapabilityError,
  DuplicateJobError,
  InvalidOptionsError,
  NotStartedError,
  PayloadTooLargeError,
  UnknownTaskError,
  ValidationError,
} from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { injectRuntimeConfig, resolveAssetPath } from '../src/dashboard.js';
import { normalizeBasePath } from '../src/options.js';
import { problemFromError } from '../src/problem.js';
import { compileRedactor, REDACTED, redactValue } from '../src/redact.js';
import { isPrincipal, roleAllows } from '../src/roles.js';
import { historyRange } from '../src/routes/operations.js';
import { bearerTokenOf, bearerTokens, hashToken, newToken } from '../src/tokens.js';
import type { JobJson } from '../src/wire.js';

describe('tokens', () => {
  it('hashToken is SHA-256 hex; newToken is random, prefixed, 256 bits', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const tokens = new Set(Array.from({ length: 100 }, newToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^sy_[A-Za-z0-9_-]{43}$/);
    expect(() => hashToken('')).toThrow(InvalidOptionsError);
  });

  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Bearer a.b-c_d~e+f/g==', 'a.b-c_d~e+f/g=='],
    ['Bearer', null],
    ['Bearer a b', null],
    ['Basic abc', null],
    ['Bearer ü', null],
    [`Bearer ${'x'.repeat(513)}`, null],
    ['', null],
    [null, null],
  ])('bearerTokenOf(%j) = %j', (header, token) => {
    expect(bearerTokenOf(header)).toBe(token);
  });

  it('authenticates only a configured token, whichever entry it is', async () => {
    const [a, b] = [newToken(), newToken()];
    const auth = bearerTokens([
      { name: 'a', role: 'viewer', tokenHash: hashToken(a) },
      { name: 'b', role: 'admin', tokenHash: hashToken(b) },
    ]);
    const as = (header?: string) =>
      auth.authenticate(new Request('http://x/', { headers: header ? { authorization: header } : {} }), {});
    expect(await as(`Bearer ${a}`)).toEqual({ name: 'a', role: 'viewer' });
    expect(await as(`Bearer ${b}`)).toEqual({ name: 'b', role: 'admin' });
    expect(await as(`Bearer ${a}x`)).toBeNull();
    expect(await as(`Bearer ${hashToken(a)}`)).toBeNull();
    expect(await as()).toBeNull();
    expect(auth.kind).toBe('token');
  });

  it.each([
    [[], /at least one/],
    [[{ name: '', role: 'viewer', tokenHash: hashToken('x') }], /name/],
    [[{ name: 'a', role: 'root', tokenHash: hashToken('x') }], /role/],
    [[{ name: 'a', role: 'viewer', tokenHash: 'plain-token' }], /tokenHash/],
    [
      [
        {
          name: 'a',
          role: 'viewer',
          tokenHash: createHash('sha256').update('x').digest('hex').toUpperCase(),
        },
      ],
      /tokenHash/,
    ],
    [
      [
        { name: 'a', role: 'viewer', tokenHash: hashToken('x') },
        { name: 'b', role: 'admin', tokenHash: hashToken('x') },
      ],
      /twice/,
    ],
  ])('bearerTokens refuses %j', (entries, message) => {
    expect(() => bearerTokens(entries as never)).toThrow(message);
  });
});

describe('roles', () => {
  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'operator', false],
    ['operator', 'viewer', true],
    ['operator', 'admin', false],
    ['admin', 'operator', true],
    ['admin', 'admin', true],
  ] as const)('%s may act as %s: %s', (have, need, allowed) => {
    expect(roleAllows(have, need)).toBe(allowed);
  });

  it.each([
    [{ name: 'a', role: 'viewer' }, true],
    [{ name: '', role: 'viewer' }, false],
    [{ name: 'a\nb', role: 'viewer' }, false],
    [{ name: 'a', role: 'superuser' }, false],
    [{ name: 'a', role: 'toString' }, false],
    [null, false],
    ['admin', false],
  ])('isPrincipal(%j) = %s', (value, valid) => {
    expect(isPrincipal(value)).toBe(valid);
  });
});

describe('redaction', () => {
  const job = (payload: unknown, result?: unknown) => ({ id: 'j', payload, result }) as unknown as JobJson;

  it.each([
    [['card.number'], { card: { number: '4111', holder: 'A' } }, { card: { number: REDACTED, holder: 'A' } }],
    [['card.number'], { other: 1 }, { other: 1 }],
    [
      ['items.*.iban'],
      { items: [{ iban: 'X' }, { iban: 'Y', n: 1 }] },
      { items: [{ iban: REDACTED }, { iban: REDACTED, n: 1 }] },
    ],
    [
      ['*.secret'],
      { a: { secret: 1 }, b: { secret: 2, c: 3 } },
      { a: { secret: REDACTED }, b: { secret: REDACTED, c: 3 } },
    ],
    [['token'], 'not an object', 'not an object'],
    [['card'], { card: { deep: true } }, { card: REDACTED }],
  ])('paths %j hide the fields of %j', (paths, payload, expected) => {
    const redact = compileRedactor({ paths })!;
    const original = structuredClone(payload);
    expect(redact(job(payload, payload)).payload).toEqual(expected);
    expect(redact(job(payload, payload)).result).toEqual(expected);
    expect(payload).toEqual(original);
  });

  it('a function redactor gets a copy it may change', () => {
    const source = job({ a: 1 });
    const redact = compileRedactor((copy) => {
      (copy.payload as { a: unknown }).a = 'hidden';
      return copy;
    })!;
    expect(redact(source).payload).toEqual({ a: 'hidden' });
    expect(source.payload).toEqual({ a: 1 });
  });

  it.each([[{ paths: [''] }], [{ paths: ['a..b'] }], [{ paths: 'card' }], [{}]])('refuses %j', (option) => {
    expect(() => compileRedactor(option as never)).toThrow(InvalidOptionsError);
  });

  it('leaves values without the path untouched (same object)', () => {
    const value = { a: 1 };
    expect(redactValue(value, [['b']])).toBe(value);
  });
});

describe('error mapping', () => {
  it.each([
    [
      new ValidationError('bad payload', [{ message: 'expected number', path: ['orderId'] }]),
      422,
      'VALIDATION_FAILED',
    ],
    [new InvalidOptionsError('bad delay'), 400, 'INVALID_OPTIONS'],
    [new UnknownTaskError('x'), 422, 'UNKNOWN_TASK'],
    [new DuplicateJobError('job-1', 'k'), 409, 'DUPLICATE_JOB'],
    [new PayloadTooLargeError(10, 5), 413, 'PAYLOAD_TOO_LARGE'],
    [new CapabilityError('sqs', 'specVersion 2', 'no'), 501, 'CAPABILITY_UNSUPPORTED'],
    [new AdapterError('pgboss', 'connect ECONNREFUSED 10.0.0.5:5432'), 503, 'ADAPTER_ERROR'],
    [new BackendUnavailableError('bullmq', 'timed out'), 503, 'BACKEND_UNAVAILABLE'],
    [new NotStartedError('switchyard'), 503, 'NOT_STARTED'],
    [new Error('at /srv/app.ts:1'), 500, 'INTERNAL'],
    ['thrown string', 500, 'INTERNAL'],
  ])('%s → %i %s', (error, status, code) => {
    const problem = problemFromError(error);
    expect([problem.status, problem.code]).toEqual([status, code]);
    expect(problem.type).toBe(`urn:switchyard:problem:${code.toLowerCase().replaceAll('_', '-')}`);
    if (status >= 500) expect(problem.detail).not.toMatch(/ECONNREFUSED|srv|10\.0/);
  });

  it('carries the existing job id and the validation issues', () => {
    expect(problemFromError(new DuplicateJobError('job-1', 'k')).existingJobId).toBe('job-1');
    expect(
      problemFromError(new ValidationError('bad', [{ message: 'expected number', path: ['card', 'number'] }]))
        .issues,
    ).toEqual([{ path: 'card.number', message: 'expected number' }]);
  });
});

describe('options', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['/', ''],
    ['/api', '/api'],
    ['/api/jobs/', '/api/jobs'],
    ['/a.b/c_d~e-f', '/a.b/c_d~e-f'],
  ])('basePath %j → %j', (input, output) => {
    expect(normalizeBasePath(input)).toBe(output);
  });

  it.each([['api'], ['/api/../x'], ['/a b'], ['//x'], ['/x?y'], [42], ['/%2e%2e']])(
    'basePath %j is refused',
    (input) => {
      expect(() => normalizeBasePath(input)).toThrow(InvalidOptionsError);
    },
  );

  it('history defaults: the last hour by minute, the last day by hour', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    expect(historyRange({}, now)).toEqual({
      bucket: '1m',
      from: new Date(now - 3_600_000).toISOString(),
      to: new Date(now).toISOString(),
    });
    expect(historyRange({ bucket: '1h', to: now }, now)).toEqual({
      bucket: '1h',
      from: new Date(now - 86_400_000).toISOString(),
      to: now,
    });
  });
});

describe('dashboard files', () => {
  it.each([
    ['/', '/srv/d'],
    ['/index.html', '/srv/d/index.html'],
    ['/assets/app.js', '/srv/d/assets/app.js'],
    ['/assets/a%20b.js', '/srv/d/assets/a b.js'],
    ['/../secret', null],
    ['/%2e%2e/secret', null],
    ['/a/%2e%2e/%2e%2e/secret', null],
    ['/a%5c..%5csecret', null],
    ['/x%00', null],
    ['/%E0%A4%A', null],
  ])('resolveAssetPath(%j) = %j', (path, file) => {
    expect(resolveAssetPath('/srv/d', path)).toBe(file);
  });

  it('injects the config into <head>, escaping what could close the script', () => {
    const html = injectRuntimeConfig('<html><head><title>t</title></head></html>', {
      apiBaseUrl: '/api</script><script>alert(1)</script>',
      basePath: '/ui',
      auth: 'token',
    });
    expect(html).toContain('<head><base href="/ui/"><script>window.__SWITCHYARD_DASHBOARD__=');
    expect(html).not.toContain('</script><script>alert(1)');
    expect(html).toContain('\\u003c/script>');
    expect(
      injectRuntimeConfig('<html><head><base href="/x/"></head></html>', {
        apiBaseUrl: '',
        basePath: '/ui',
        auth: 'none',
      }),
    ).not.toContain('href="/ui/"');
  });
});
