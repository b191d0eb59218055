/** A logger that keeps every line, for tests that check what a yard logged and when. */
import type { Logger } from '@switchyard/core';

/** One logged line. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
  at: number;
}

/** Keeps every line in `lines`; optionally echoes warn/error lines to stderr (for child processes). */
export class LogCapture implements Logger {
  readonly lines: LogLine[] = [];

  constructor(private readonly echo?: (line: LogLine) => void) {}

  debug(obj: object, msg?: string): void {
    this.add('debug', obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.add('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.add('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.add('error', obj, msg);
  }

  /** The yard's outage lines: `down` when an outage began, `up` when the backend answered again. */
  outage(kind: 'down' | 'up'): LogLine[] {
    return this.lines.filter((line) => line.obj.outage === kind);
  }

  /** Warn and error lines logged from `since` (epoch ms) on, except the outage lines themselves. */
  loudSince(since: number): LogLine[] {
    return this.lines.filter(
      (line) =>
        line.at >= since &&
        (line.level === 'warn' || line.level === 'error') &&
        line.obj.outage === undefined,
    );
  }

  private add(level: LogLine['level'], obj: object, msg: string | undefined): void {
    const line: LogLine = { level, obj: obj as Record<string, unknown>, msg: msg ?? '', at: Date.now() };
    this.lines.push(line);
    this.echo?.(line);
  }
}

/** A line as short text, for failure messages. */
export function describeLine(line: LogLine): string {
  const err = line.obj.err as { message?: string } | undefined;
  return `${line.level} ${line.msg}${err?.message ? ` (${err.message})` : ''}`;
}
