import { EventEmitter } from 'node:events';
import { SwitchyardError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import type { RedisClient } from '../src/options.js';
import { OutageLog } from '../src/outage.js';

interface Line {
  level: string;
  obj: { err?: unknown };
  msg?: string;
}

function watched(): { client: EventEmitter; lines: Line[] } {
  const lines: Line[] = [];
  const log = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, msg });
  const outage = new OutageLog(() => ({
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  }));
  const client = new EventEmitter();
  outage.watch(client as unknown as RedisClient, 'commands');
  return { client, lines };
}

describe('OutageLog', () => {
  it('a connection closed without an error event still logs its loss with an outage error', () => {
    const { client, lines } = watched();
    client.emit('reconnecting');
    const lost = lines.filter((line) => line.level === 'warn');
    expect(lost).toHaveLength(1);
    // Core's outage-aware logger counts a warn line as the outage's start only when it carries one.
    expect(SwitchyardError.hasCode(lost[0]!.obj.err, 'BACKEND_UNAVAILABLE')).toBe(true);
  });

  it('keeps the connection error Redis reported before the reconnect', () => {
    const { client, lines } = watched();
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    client.emit('error', reset);
    client.emit('reconnecting');
    expect(lines.filter((line) => line.level === 'warn').map((line) => line.obj.err)).toEqual([reset]);
  });

  it('logs the outage once and the recovery once', () => {
    const { client, lines } = watched();
    client.emit('reconnecting');
    client.emit('reconnecting');
    client.emit('ready');
    expect(lines.filter((line) => line.level !== 'debug').map((line) => line.level)).toEqual([
      'warn',
      'info',
    ]);
  });
});
