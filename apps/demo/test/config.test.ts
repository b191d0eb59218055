import { describe, expect, it } from 'vitest';
import { parseDemoSettings } from '../src/config.ts';

describe('parseDemoSettings', () => {
  it.each([
    [[], {}, { backend: 'memory', port: 0, serve: true }],
    [['--no-serve'], {}, { backend: 'memory', port: 0, serve: false }],
    [['--serve'], {}, { backend: 'memory', port: 0, serve: true }],
    [['--backend', 'pgboss', '--port', '3000'], {}, { backend: 'pgboss', port: 3000, serve: true }],
    [[], { QUEUE_BACKEND: 'bullmq', PORT: '8080' }, { backend: 'bullmq', port: 8080, serve: true }],
  ])('%j with %j', (argv, env, settings) => {
    expect(parseDemoSettings(argv, env)).toEqual(settings);
  });

  it('refuses a bad backend or port', () => {
    expect(() => parseDemoSettings(['--backend', 'kafka'], {})).toThrow(/QUEUE_BACKEND must be one of/);
    expect(() => parseDemoSettings(['--port', '70000'], {})).toThrow(/port must be an integer/);
  });
});
