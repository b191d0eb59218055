import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFlow, MAX_FLOW_DEPTH, MAX_FLOW_STEPS } from '../src/flow-compile.js';
import { chain, chord, type FlowNode, group, step } from '../src/flow-definition.js';
import { type AdapterCapabilities, UnknownTaskError } from '../src/index.js';
import { defineTask, type TaskDefinition } from '../src/task.js';

const capabilities: AdapterCapabilities = {
  durable: true,
  transactionalEnqueue: false,
  ordering: 'strict',
  maxPayloadBytes: 1024,
  maxDelayMs: Number.POSITIVE_INFINITY,
  crossProcessCancel: true,
  nativeScheduler: false,
  crossProcessLeases: true,
};
const any = defineTask({ name: 'any', queue: 'q', retry: { attempts: 2 }, priority: 3 });
const strict = defineTask({ name: 'strict', schema: z.object({ n: z.number() }) });
const tasks = new Map<string, TaskDefinition>([
  [any.name, any],
  [strict.name, strict],
]);
const context = {
  resolveTask: (task: TaskDefinition | string) => {
    const name = typeof task === 'string' ? task : task.name;
    const found = tasks.get(name);
    if (!found) throw new UnknownTaskError(name);
    return found;
  },
  build: { adapterName: 'test', capabilities, maxPayloadBytes: 4096, now: 0, newId: () => 'x' },
  metadata: { tenant: 'a' },
};
const compile = (root: unknown) => compileFlow(root as FlowNode, context);

describe('compileFlow', () => {
  it('resolves every step and defaults input by whether a payload is given', async () => {
    const spec = await compile(
      chain(
        step(any, 1),
        step(any),
        step(strict, { n: 2 }, { priority: 1, metadata: { x: 'y' } }),
        step(any, {}, { input: { key: 'k' } }),
      ),
    );
    expect(spec).toEqual({
      version: 1,
      root: {
        kind: 'chain',
        steps: [
          {
            kind: 'step',
            task: 'any',
            input: 'none',
            payload: 1,
            job: { queue: 'q', priority: 3, maxAttempts: 2, metadata: { tenant: 'a' } },
          },
          {
            kind: 'step',
            task: 'any',
            input: 'payload',
            job: { queue: 'q', priority: 3, maxAttempts: 2, metadata: { tenant: 'a' } },
          },
          {
            kind: 'step',
            task: 'strict',
            input: 'none',
            payload: { n: 2 },
            job: { queue: 'default', priority: 1, maxAttempts: 3, metadata: { tenant: 'a', x: 'y' } },
          },
          {
            kind: 'step',
            task: 'any',
            input: { key: 'k' },
            payload: {},
            job: expect.objectContaining({ queue: 'q' }),
          },
        ],
      },
    });
  });

  it('compiles chords with their outcomes flag', async () => {
    const spec = await compile(chord(group(step(any, 1), step(any, 2)), step(any), { outcomes: true }));
    expect(spec.root).toMatchObject({
      kind: 'chord',
      outcomes: true,
      group: { kind: 'group' },
      callback: { kind: 'step' },
    });
  });

  const deep = Array.from({ length: MAX_FLOW_DEPTH + 1 }).reduce<FlowNode>(
    (node) => chain(node),
    step(any, 1),
  );
  it.each<[string, unknown, string]>([
    ['an empty chain', chain(), 'INVALID_OPTIONS'],
    ['an empty group', group(), 'INVALID_OPTIONS'],
    ['null', null, 'INVALID_OPTIONS'],
    ['an unknown kind', { kind: 'loop' }, 'INVALID_OPTIONS'],
    [
      'a chord without a group',
      { kind: 'chord', group: step(any, 1), callback: step(any) },
      'INVALID_OPTIONS',
    ],
    [
      'a chord with a non-boolean outcomes',
      { kind: 'chord', group: group(step(any, 1)), callback: step(any), outcomes: 'yes' },
      'INVALID_OPTIONS',
    ],
    ['an unknown task', step('nope', 1), 'UNKNOWN_TASK'],
    [
      'a payload failing its schema',
      chain(step(any, 1), step(strict, { n: 'x' } as never)),
      'VALIDATION_FAILED',
    ],
    ['a non-JSON payload', step(any, new Map()), 'VALIDATION_FAILED'],
    ['a first step without payload', chain(step(any), step(any)), 'INVALID_OPTIONS'],
    ['a first group member without payload', group(step(any, 1), step(any)), 'INVALID_OPTIONS'],
    [
      "input 'payload' with a payload",
      chain(step(any, 1), step(any, 2, { input: 'payload' })),
      'INVALID_OPTIONS',
    ],
    [
      "input 'none' without a payload",
      chain(step(any, 1), step(any, undefined, { input: 'none' })),
      'INVALID_OPTIONS',
    ],
    [
      'input { key } with a number payload',
      chain(step(any, 1), step(any, 2, { input: { key: 'k' } })),
      'INVALID_OPTIONS',
    ],
    ['input { key: "" }', chain(step(any, 1), step(any, {}, { input: { key: '' } })), 'INVALID_OPTIONS'],
    [
      'an unknown input mode',
      chain(step(any, 1), step(any, undefined, { input: 'all' as never })),
      'INVALID_OPTIONS',
    ],
    ['a uniqueKey', step(any, 1, { uniqueKey: 'u' } as never), 'INVALID_OPTIONS'],
    ['a delay', step(any, 1, { delay: '1s' } as never), 'INVALID_OPTIONS'],
    ['an unknown option', step(any, 1, { colour: 'red' } as never), 'INVALID_OPTIONS'],
    ['options that are not an object', step(any, 1, 'fast' as never), 'INVALID_OPTIONS'],
    ['a bad priority', step(any, 1, { priority: 10 }), 'INVALID_OPTIONS'],
    ['a reserved metadata key', step(any, 1, { metadata: { 'switchyard.step': '0' } }), 'INVALID_OPTIONS'],
    ['non-string metadata', step(any, 1, { metadata: { n: 1 as never } }), 'INVALID_OPTIONS'],
    [
      'too many steps',
      group(...Array.from({ length: MAX_FLOW_STEPS + 1 }, (_, n) => step(any, n))),
      'INVALID_OPTIONS',
    ],
    ['nesting too deep', deep, 'INVALID_OPTIONS'],
    ['a payload over the cap', step(any, 'x'.repeat(2000)), 'PAYLOAD_TOO_LARGE'],
    [
      'a definition over the cap',
      group(...Array.from({ length: 3 }, () => step(any, 'x'.repeat(900)))),
      'PAYLOAD_TOO_LARGE',
    ],
  ])('refuses %s', async (_name, root, code) => {
    await expect(compile(root)).rejects.toMatchObject({ code });
  });

  it('awaits async schemas and reports their issues', async () => {
    const asyncTask = defineTask({
      name: 'async',
      schema: z.object({ n: z.number() }).refine(async (v) => v.n > 0),
    });
    tasks.set(asyncTask.name, asyncTask);
    await expect(compile(step(asyncTask, { n: 0 }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(compile(step(asyncTask, { n: 1 }))).resolves.toMatchObject({ version: 1 });
  });
});
