import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { InvalidOptionsError, ValidationError } from '../src/errors.js';
import { describeIssues, formatPath, validateWithSchema } from '../src/validation.js';

const what = 'payload of task "send-email"';

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

/** One schema per library, all describing `{ userId: number, to: string[], meta?: { tag: string } }`. */
const libraries: Array<[string, StandardSchemaV1]> = [
  [
    'zod v4',
    z.object({ userId: z.number(), to: z.array(z.string()), meta: z.object({ tag: z.string() }).optional() }),
  ],
  [
    'valibot',
    v.object({
      userId: v.number(),
      to: v.array(v.string()),
      meta: v.optional(v.object({ tag: v.string() })),
    }),
  ],
  ['arktype', type({ userId: 'number', to: 'string[]', 'meta?': { tag: 'string' } })],
];

describe.each(libraries)('validateWithSchema with %s', (_library, schema) => {
  it('returns the validated value', async () => {
    const payload = { userId: 7, to: ['a@example.com'] };
    await expect(validateWithSchema(schema, payload, what)).resolves.toEqual(payload);
  });

  it.each<[string, unknown, ReadonlyArray<ReadonlyArray<PropertyKey>>]>([
    ['wrong type at the top', { userId: 'seven', to: [] }, [['userId']]],
    ['wrong type in an array', { userId: 1, to: ['ok', 5] }, [['to', 1]]],
    ['wrong type nested', { userId: 1, to: [], meta: { tag: 3 } }, [['meta', 'tag']]],
    ['two problems', { userId: null, to: 'nope' }, [['userId'], ['to']]],
  ])('reports %s with a flat path', async (_name, payload, paths) => {
    const error = await rejection(validateWithSchema(schema, payload, what));
    expect(error.code).toBe('VALIDATION_FAILED');
    // Libraries disagree on issue order (arktype reports 'to' before 'userId'), so compare as sets.
    const byText = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(error.issues.map((issue) => issue.path).sort(byText)).toEqual([...paths].sort(byText));
    for (const issue of error.issues) {
      expect(issue.message).toEqual(expect.any(String));
      expect(issue.message.length).toBeGreaterThan(0);
      // Segment objects are flattened to plain keys.
      for (const key of issue.path ?? []) expect(typeof key === 'object').toBe(false);
    }
    expect(error.message.startsWith(`${what} is invalid: `)).toBe(true);
    const firstPath = formatPath(error.issues[0]!.path ?? []);
    expect(error.message).toContain(`${firstPath}: ${error.issues[0]!.message}`);
  });

  it('reports a non-object payload without a path', async () => {
    const error = await rejection(validateWithSchema(schema, 'not an object', what));
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.issues[0]!.path ?? []).toEqual([]);
  });
});

describe('validateWithSchema', () => {
  it('returns the schema output, not the input (transforms apply)', async () => {
    const schema = z.object({ count: z.string().transform((text) => Number(text)) });
    const result = await validateWithSchema(schema, { count: '42' }, what);
    expect(result).toEqual({ count: 42 });
    expectTypeOf(result).toEqualTypeOf<{ count: number }>();
  });

  it('awaits async schemas', async () => {
    const schema = z.object({ name: z.string().refine(async (name) => name !== 'taken', 'name is taken') });
    await expect(validateWithSchema(schema, { name: 'free' }, what)).resolves.toEqual({ name: 'free' });
    const error = await rejection(validateWithSchema(schema, { name: 'taken' }, what));
    expect(error.issues).toEqual([{ message: 'name is taken', path: ['name'] }]);
    expect(error.message).toBe(`${what} is invalid: name: name is taken`);
  });

  it('flattens PathSegment objects from a hand-written schema', async () => {
    const schema: StandardSchemaV1<unknown, unknown> = {
      '~standard': {
        version: 1,
        vendor: 'handmade',
        validate: () => ({
          issues: [
            { message: 'Expected number', path: [{ key: 'user' }, 'ids', { key: 2 }] },
            { message: 'Too short', path: ['first name'] },
            { message: 'Whole thing is wrong' },
          ],
        }),
      },
    };
    const error = await rejection(validateWithSchema(schema, {}, 'payload'));
    expect(error.issues).toEqual([
      { message: 'Expected number', path: ['user', 'ids', 2] },
      { message: 'Too short', path: ['first name'] },
      { message: 'Whole thing is wrong' },
    ]);
    expect(error.message).toBe(
      'payload is invalid: user.ids[2]: Expected number; ["first name"]: Too short; Whole thing is wrong',
    );
  });

  it.each<[string, unknown]>([
    ['a plain object', { parse: () => 1 }],
    ['null', null],
    ['a schema without validate', { '~standard': { version: 1, vendor: 'x' } }],
  ])('rejects %s as a schema', async (_name, schema) => {
    await expect(validateWithSchema(schema as StandardSchemaV1, {}, what)).rejects.toThrow(
      InvalidOptionsError,
    );
  });
});

describe('formatPath', () => {
  const symbol = Symbol('s');
  it.each<[ReadonlyArray<PropertyKey>, string]>([
    [[], ''],
    [['userId'], 'userId'],
    [['user', 'name'], 'user.name'],
    [['items', 3, 'id'], 'items[3].id'],
    [[0], '[0]'],
    [['first name'], '["first name"]'],
    [['a', 'b-c'], 'a["b-c"]'],
    [['$ok', '_also'], '$ok._also'],
    [['1abc'], '["1abc"]'],
    [[symbol], '[Symbol(s)]'],
  ])('%j -> %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('describeIssues', () => {
  it('lists at most 10 issues and counts the rest', () => {
    const issues = Array.from({ length: 12 }, (_, i) => ({ message: `bad ${i}`, path: [i] }));
    const message = describeIssues('payload', 'is invalid', issues);
    expect(message).toBe(
      `payload is invalid: ${issues
        .slice(0, 10)
        .map((issue, i) => `[${i}]: ${issue.message}`)
        .join('; ')}; and 2 more`,
    );
  });
});
