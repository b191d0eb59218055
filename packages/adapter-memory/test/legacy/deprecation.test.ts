import { memoryAdapter } from '@switchyard/adapter-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { createTaskQueueManager, LEGACY_DEPRECATION_CODE } from '../../src/legacy/index.js';

/** Collects the facade's warnings (they are emitted on the next tick). */
function captureWarnings(): { warnings: Error[]; stop(): void } {
  const warnings: Error[] = [];
  const listener = (warning: Error) => {
    if ((warning as Error & { code?: string }).code === LEGACY_DEPRECATION_CODE) warnings.push(warning);
  };
  const previous = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', listener);
  return {
    warnings,
    stop() {
      process.off('warning', listener);
      for (const restore of previous) process.on('warning', restore);
    },
  };
}

const nextTick = () => new Promise((resolve) => setImmediate(resolve));

describe('legacy facade deprecation warnings', () => {
  let capture: ReturnType<typeof captureWarnings> | undefined;
  afterEach(() => capture?.stop());

  it('warns once per call site, names the replacement and the caller, as a DeprecationWarning', async () => {
    capture = captureWarnings();
    const manager = createTaskQueueManager({
      adapter: memoryAdapter(),
      handlers: { noop: async () => null },
    });
    for (let i = 0; i < 3; i++) await manager.addTask('noop', { i }); // one call site, three calls
    await manager.addTask('noop', { i: 3 }); // a second call site
    for (let i = 0; i < 2; i++) await manager.stats();
    await manager.stop();
    await nextTick();

    const addTask = capture.warnings.filter((warning) => warning.message.includes('addTask()'));
    expect(addTask).toHaveLength(2);
    for (const warning of addTask) {
      expect(warning.name).toBe('DeprecationWarning');
      expect(warning.message).toContain('yard.enqueue(task, payload, { priority })');
      expect(warning.message).toMatch(/deprecation\.test\.ts:\d+:\d+/);
    }
    expect(addTask[0]!.message).not.toEqual(addTask[1]!.message);

    const stats = capture.warnings.filter((warning) => warning.message.includes('stats()'));
    expect(stats).toHaveLength(1);
    expect(stats[0]!.message).toContain('yard.jobs.counts({ queue })');
    expect(capture.warnings.filter((warning) => warning.message.includes('constructor'))).toHaveLength(1);
    expect(capture.warnings.filter((warning) => warning.message.includes('stop()'))).toHaveLength(1);
  });

  it('a call site that already warned stays quiet across managers', async () => {
    capture = captureWarnings();
    const build = () => createTaskQueueManager({ adapter: memoryAdapter() });
    const first = build();
    const second = build();
    for (const manager of [first, second]) await manager.getTask('none');
    await first.stop();
    await second.stop();
    await nextTick();
    const messages = capture.warnings.map((warning) => warning.message);
    expect(messages.filter((message) => message.includes('getTask()'))).toHaveLength(1);
    expect(messages.filter((message) => message.includes('constructor'))).toHaveLength(1);
    expect(messages.find((message) => message.includes('getTask()'))).toContain('yard.jobs.get(id)');
  });
});
