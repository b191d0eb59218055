import { describe, expect, it } from 'vitest';
import { loadAdapterModule, moduleUrl } from '../src/module.js';
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
