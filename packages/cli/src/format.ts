/** Pure formatters for tables: ages, durations, states, bulk progress. */
import type { BulkProgress, JobState } from '@switchyard/core';
import type { Colors } from './output.js';

/** A duration in ms as `850ms`, `12s`, `4m 10s`, `2h 5m`, `3d 4h`. */
export function formatDurationMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${(ms / 1000).toFixed(seconds < 10 ? 1 : 0)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** An ISO time relative to `now`: `12s ago`, `in 5m 0s`, or `-` when absent. */
export function formatRelative(iso: string | undefined, now: number): string {
  if (iso === undefined) return '-';
  const delta = new Date(iso).getTime() - now;
  if (Math.abs(delta) < 1000) return 'now';
  return delta < 0 ? `${formatDurationMs(-delta)} ago` : `in ${formatDurationMs(delta)}`;
}

const STATE_COLOR: Record<JobState, keyof Colors> = {
  scheduled: 'blue',
  pending: 'cyan',
  running: 'yellow',
  retrying: 'magenta',
  completed: 'green',
  failed: 'red',
  cancelled: 'gray',
};

/** A state, coloured. */
export function colorState(state: string, colors: Colors): string {
  const color = STATE_COLOR[state as JobState];
  return color ? (colors[color] as (text: string) => string)(state) : state;
}

/** `retry: 1000 matched, 998 changed, 0 cancel requested, 2 skipped`. */
export function formatBulkProgress(action: string, progress: BulkProgress): string {
  return (
    `${action}: ${progress.matched} matched, ${progress.changed} changed, ` +
    `${progress.requested} cancel requested, ${progress.skipped} skipped`
  );
}

/** A JSON value shortened to one line of at most `max` characters. */
export function shortJson(value: unknown, max = 60): string {
  if (value === undefined) return '-';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
