import { describe, expect, it } from 'vitest';
import { JsonCopier } from '../src/json-copy.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const withProtoKey = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
const nullProto = Object.assign(Object.create(null), { a: 1, b: [2] });
const holey: unknown[] = [];
holey[0] = 1;
holey[2] = undefined;
holey[3] = 3;

describe('JsonCopier', () => {
  it.each<[string, unknown]>([
    ['a small object', { i: 42 }],
    ['nested arrays and objects', { a: [1, [2, { b: 'c' }]], d: null, e: true, f: 'é\u0001"' }],
    ['a string', 'text'],
    ['a number', 3.5],
    ['null', null],
    ['an empty array', []],
    ['negative zero (JSON has none)', { zero: -0, list: [-0] }],
    ['a __proto__ key (an own property after JSON.parse)', withProtoKey],
    ['a null-prototype object', nullProto],
    ['a Date (JSON turns it into a string)', { at: new Date(0) }],
    ['an object with toJSON', { value: { toJSON: () => 'serialized' } }],
    ['a class instance', { point: new Point(1, 2) }],
    ['undefined and functions inside objects (JSON drops them)', { a: undefined, f: () => 1, b: 2 }],
    ['an array hole and undefined in arrays (JSON makes them null)', holey],
    ['NaN and Infinity (JSON makes them null)', { nan: Number.NaN, inf: Number.POSITIVE_INFINITY }],
  ])('copies %s exactly as a JSON round trip would', (_name, value) => {
    const copy = new JsonCopier().copy(value);
    expect(copy).toStrictEqual(JSON.parse(JSON.stringify(value)));
    if (typeof value === 'object' && value !== null) expect(copy).not.toBe(value);
  });

  it('keeps undefined as undefined', () => {
    expect(new JsonCopier().copy(undefined)).toBeUndefined();
  });

  it('gives a __proto__ key as an own property, without touching the prototype', () => {
    const copy = new JsonCopier().copy(withProtoKey) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('shares nothing with the original', () => {
    const value = { list: [{ sku: 'a' }] };
    const copy = new JsonCopier().copy(value) as typeof value;
    value.list[0]!.sku = 'changed';
    value.list.push({ sku: 'b' });
    expect(copy).toEqual({ list: [{ sku: 'a' }] });
  });

  it('throws what JSON.stringify throws for a cycle or a bigint', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => new JsonCopier().copy(cycle)).toThrow(TypeError);
    expect(() => new JsonCopier().copy({ big: 1n })).toThrow(TypeError);
  });

  it.each<[string, unknown]>([
    ['ASCII', { name: 'alice', tags: ['a', 'b'], n: 12 }],
    ['multi-byte text', { name: 'é'.repeat(20), emoji: '😀' }],
    ['control characters (escaped as six bytes)', '\u0000\u0001\u001f'],
    ['long numbers', [-1.2345678901234567e-308, 0.1 + 0.2, Number.MAX_SAFE_INTEGER]],
    ['a Date (the text path measures exactly)', { at: new Date(0) }],
  ])('bounds the UTF-8 size of the JSON text from above: %s', (_name, value) => {
    const copier = new JsonCopier();
    copier.copy(value);
    expect(copier.maxBytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(value), 'utf8'));
  });
});
