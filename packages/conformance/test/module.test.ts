import { describe, expect, it } from 'vitest';
import {
  CORRUPTION_KINDS,
  checkAdapterModule,
  loadAdapterModule,
  moduleUrl,
  optionalHooksOf,
} from '../src/module.js';
import { waitUntil } from '../src/wait.js';

describe('adapter module loading', () => {
  it('accepts file URLs and absolute paths, refuses relative paths', () => {
    expect(moduleUrl('file:///x/conformance-adapter.ts')).toBe('file:///x/conformance-adapter.ts');
    expect(moduleUrl('/x/conformance-adapter.ts')).toBe('file:///x/conformance-adapter.ts');
    expect(() => moduleUrl('./conformance-adapter.ts')).toThrow(/file URL or an absolute path/);
  });

  it('names the missing member of an incomplete module', async () => {
    await expect(
      loadAdapterModule(new URL('./fixtures/incomplete-module.ts', import.meta.url).href),
    ).rejects.toThrow(/missing the function "readRawState"/);
  });

  const complete = {
    createAdapter: () => {
      throw new Error('not used');
    },
    corruptJob: async () => undefined,
    readRawState: async () => null,
  };
  /** The complete module with `corruptionKinds` / `deliveryLatencyMs` declared. */
  const declaring = (declarations: { kinds?: unknown; latency?: unknown }) =>
    checkAdapterModule('file:///m.ts', {
      ...complete,
      ...('kinds' in declarations ? { corruptionKinds: declarations.kinds } : {}),
      ...('latency' in declarations ? { deliveryLatencyMs: declarations.latency } : {}),
    });

  it('accepts a module that declares known corruption kinds and a positive delivery latency', () => {
    const module = declaring({ kinds: ['payload', 'priority', 'metadata', 'attempt'], latency: 50 });
    expect(module.corruptionKinds).toEqual([...CORRUPTION_KINDS]);
    expect(module.deliveryLatencyMs).toBe(50);
    const undeclared = declaring({});
    expect(undeclared.corruptionKinds).toBeUndefined();
    expect(undeclared.deliveryLatencyMs).toBeUndefined();
  });

  it.each([
    [
      { kinds: ['payload', 'checksum'] },
      /corruptionKinds must be a non-empty array of 'payload', 'priority', 'metadata', 'attempt'; got \["payload","checksum"\]/,
    ],
    [{ kinds: [] }, /corruptionKinds must be a non-empty array/],
    [{ kinds: 'payload' }, /corruptionKinds must be a non-empty array/],
    [{ latency: 0 }, /deliveryLatencyMs must be a positive number of ms; got 0/],
    [{ latency: -5 }, /deliveryLatencyMs must be a positive number of ms; got -5/],
    [{ latency: '50' }, /deliveryLatencyMs must be a positive number of ms; got 50/],
  ])('refuses %o, naming the field', (declarations, message) => {
    expect(() => declaring(declarations)).toThrow(message);
  });

  it('refuses an optional hook that is not a function, and reports which hooks exist', async () => {
    await expect(
      loadAdapterModule(new URL('./fixtures/bad-hook-module.ts', import.meta.url).href),
    ).rejects.toThrow(/"createAdapterThrough" of the default export must be a function/);
    const hooks = {
      createAdapter: () => ({}) as never,
      corruptJob: async () => {},
      readRawState: async () => null,
    };
    expect(optionalHooksOf(hooks)).toEqual({ createAdapterThrough: false });
    expect(optionalHooksOf({ ...hooks, createAdapterThrough: async () => ({}) as never })).toEqual({
      createAdapterThrough: true,
    });
  });
});

describe('waitUntil', () => {
  it('returns the first truthy value', async () => {
    let calls = 0;
    expect(await waitUntil(() => (++calls === 3 ? 'ready' : null), 1000, 'three calls', 1)).toBe('ready');
  });

  it('fails naming what it waited for and the last value', async () => {
    await expect(waitUntil(() => 0, 30, 'the answer', 5)).rejects.toThrow(
      /timed out after 30 ms waiting for the answer \(last value: 0\)/,
    );
  });
});
