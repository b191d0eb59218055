import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError, ValidationError } from '../src/errors.js';
import {
  assertJson,
  assertJsonWithin,
  assertPayloadSize,
  DEFAULT_MAX_PAYLOAD_BYTES,
  jsonByteLength,
} from '../src/json.js';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

function catchValidation(fn: () => void): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('assertJson accepts plain JSON', () => {
  const sharedChild = { a: 1 };
  it.each<[string, unknown]>([
    ['null', null],
    ['true', true],
    ['false', false],
    ['zero', 0],
    ['negative zero', -0],
    ['a float', 3.25],
    ['MAX_VALUE', Number.MAX_VALUE],
    ['empty string', ''],
    ['unicode string', 'héllo 🚂'],
    ['empty array', []],
    ['empty object', {}],
    ['nested structure', { user: { id: 1, tags: ['a', 'b'], address: null }, ok: true }],
    ['null-prototype object', Object.assign(Object.create(null), { a: 1 })],
    [
      'same object twice (not a cycle)',
      { left: sharedChild, right: sharedChild, list: [sharedChild, sharedChild] },
    ],
    ['200 levels deep', nested(199)],
  ])('%s', (_name, value) => {
    expect(() => assertJson(value, 'payload')).not.toThrow();
  });
});

describe('assertJson rejects what JSON would drop or change', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const cyclicArray: unknown[] = [1];
  cyclicArray.push({ back: cyclicArray });
  // Index 1 is a hole, not undefined: JSON.stringify turns it into null.
  const sparse: unknown[] = [1];
  sparse[2] = 3;
  const withSymbolKey = { a: 1, [Symbol('secret')]: 2 };

  it.each<[string, unknown, ReadonlyArray<PropertyKey>, string]>([
    // [name, value, path of the issue, text in the message]
    ['top-level undefined', undefined, [], 'undefined'],
    ['undefined property', { a: 1, b: undefined }, ['b'], 'undefined'],
    ['undefined in an array', [1, undefined], [1], 'undefined'],
    ['function', { fn: () => 1 }, ['fn'], 'function'],
    ['symbol value', { s: Symbol('x') }, ['s'], 'symbol'],
    ['bigint', { big: 10n }, ['big'], 'bigint'],
    ['NaN', { n: Number.NaN }, ['n'], 'NaN'],
    ['Infinity', [Number.POSITIVE_INFINITY], [0], 'Infinity'],
    ['-Infinity', Number.NEGATIVE_INFINITY, [], 'Infinity'],
    ['Date', { when: new Date(0) }, ['when'], 'Date'],
    ['Map', { m: new Map() }, ['m'], 'Map'],
    ['Set', new Set([1]), [], 'Set'],
    ['class instance', { p: new Point(1, 2) }, ['p'], 'Point'],
    ['boxed string', { s: new String('x') }, ['s'], 'String'],
    ['typed array', { bytes: new Uint8Array(2) }, ['bytes'], 'Uint8Array'],
    ['RegExp', /x/, [], 'RegExp'],
    ['Error', { e: new Error('x') }, ['e'], 'Error'],
    ['Array subclass', [new (class Items extends Array {})()], [0], 'Array subclass'],
    ['object cycle', cyclic, ['self'], 'circular'],
    ['array cycle', cyclicArray, [1, 'back'], 'circular'],
    ['array hole', sparse, [1], 'hole'],
    ['symbol key', withSymbolKey, [Object.getOwnPropertySymbols(withSymbolKey)[0]!], 'symbol key'],
    ['deep path', { a: { b: [{ c: undefined }] } }, ['a', 'b', 0, 'c'], 'undefined'],
    ['201 levels deep', nested(201), Array.from({ length: 200 }, () => 0), 'deeper than 200'],
  ])('%s', (_name, value, path, text) => {
    const error = catchValidation(() => assertJson(value, 'payload'));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.path).toEqual(path);
    expect(error.issues[0]!.message).toContain(text);
    expect(error.message.startsWith('payload is not plain JSON: ')).toBe(true);
  });

  it('reports every issue with a readable path in the message', () => {
    const error = catchValidation(() =>
      assertJson({ user: { id: 1n, 'first name': undefined }, items: [1, () => 2] }, 'payload of task "x"'),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual([
      ['user', 'id'],
      ['user', 'first name'],
      ['items', 1],
    ]);
    expect(error.message).toBe(
      'payload of task "x" is not plain JSON: user.id: a bigint is not JSON; ' +
        'user["first name"]: undefined is not JSON (it would disappear); items[1]: a function is not JSON',
    );
  });

  it('caps the number of issues for a huge bad array', () => {
    const error = catchValidation(() =>
      assertJson(
        Array.from({ length: 10_000 }, () => undefined),
        'payload',
      ),
    );
    expect(error.issues.length).toBe(50);
    expect(error.message).toContain('and 40 more');
  });

  it('survives a very deep value without a stack overflow', () => {
    expect(() => assertJson(nested(100_000), 'payload')).toThrow(ValidationError);
  });
});

describe('jsonByteLength', () => {
  it.each<[string, unknown, number]>([
    ['null', null, 4],
    ['number', 12345, 5],
    ['ascii string', 'abc', 5],
    ['two-byte characters', 'é', 4],
    ['four-byte emoji', '🚂', 6],
    ['object', { a: [1, 2] }, 11], // {"a":[1,2]}
    ['escaped quote', 'a"b', 6],
  ])('%s', (_name, value, bytes) => {
    expect(jsonByteLength(value)).toBe(bytes);
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a bigint', 1n],
    [
      'a cycle',
      (() => {
        const loop: Record<string, unknown> = {};
        loop.loop = loop;
        return loop;
      })(),
    ],
  ])('throws ValidationError for %s', (_name, value) => {
    expect(() => jsonByteLength(value)).toThrow(ValidationError);
  });
});

describe('assertPayloadSize', () => {
  it('defaults to 256 KiB', () => {
    expect(DEFAULT_MAX_PAYLOAD_BYTES).toBe(262_144);
  });

  it.each<[string, unknown, number, number | 'too-large']>([
    ['well under', { a: 1 }, 100, 7],
    ['exactly at the limit', 'abc', 5, 5],
    ['one byte over', 'abcd', 5, 'too-large'],
    ['multi-byte counted in bytes, not characters', 'ééé', 7, 'too-large'],
    [
      'at the default limit',
      'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES - 2),
      DEFAULT_MAX_PAYLOAD_BYTES,
      DEFAULT_MAX_PAYLOAD_BYTES,
    ],
    [
      'over the default limit',
      'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES - 1),
      DEFAULT_MAX_PAYLOAD_BYTES,
      'too-large',
    ],
  ])('%s', (_name, value, limit, expected) => {
    if (expected === 'too-large') {
      let caught: unknown;
      try {
        assertPayloadSize(value, limit);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PayloadTooLargeError);
      expect(caught).toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
        sizeBytes: jsonByteLength(value),
        limitBytes: limit,
      });
    } else {
      expect(assertPayloadSize(value, limit)).toBe(expected);
    }
  });
});

describe('assertJsonWithin (one walk for the JSON check and the size bound)', () => {
  it.each<[string, unknown, number, 'ok' | 'too-large']>([
    ['small object, far under', { a: 1, b: [true, null, 'x'] }, 1000, 'ok'],
    ['exactly at the limit (bound over it, exact size not)', 'abc', 5, 'ok'],
    ['one byte over', 'abcd', 5, 'too-large'],
    ['multi-byte counted in bytes', 'ééé', 7, 'too-large'],
    ['escapes counted: a control character is 6 bytes', '\u0001', 8, 'ok'],
    ['escapes counted: one over', '\u0001', 7, 'too-large'],
    ['keys count', { ['é'.repeat(10)]: 1 }, 20, 'too-large'],
    [
      'a long string whose bound exceeds the default limit but not its size',
      'x'.repeat(50_000),
      DEFAULT_MAX_PAYLOAD_BYTES,
      'ok',
    ],
    ['numbers at their longest', [-1.2345678901234567e-308, -0.000001234567890123456], 52, 'ok'],
  ])('%s', (_name, value, limit, expected) => {
    if (expected === 'ok') {
      expect(() => assertJsonWithin(value, 'payload', limit)).not.toThrow();
      expect(jsonByteLength(value)).toBeLessThanOrEqual(limit);
    } else {
      let caught: unknown;
      try {
        assertJsonWithin(value, 'payload', limit);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PayloadTooLargeError);
      expect(caught).toMatchObject({ sizeBytes: jsonByteLength(value), limitBytes: limit });
    }
  });

  it('rejects what is not plain JSON with the same ValidationError as assertJson', () => {
    const error = catchValidation(() => assertJsonWithin({ at: new Date(0) }, 'payload', 1000));
    expect(error.message).toBe(catchValidation(() => assertJson({ at: new Date(0) }, 'payload')).message);
  });
});
