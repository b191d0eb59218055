/** Formatting for people (pure). */

/** `850 ms`, `12 s`, `3 min`, `2 h 5 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(abs < 10_000 ? 1 : 0)} s`;
  if (abs < 3_600_000)
    return `${Math.floor(ms / 60_000)} min${abs % 60_000 >= 1000 ? ` ${Math.floor((abs % 60_000) / 1000)} s` : ''}`;
  if (abs < 86_400_000)
    return `${Math.floor(ms / 3_600_000)} h ${Math.floor((abs % 3_600_000) / 60_000)} min`;
  return `${Math.floor(ms / 86_400_000)} d ${Math.floor((abs % 86_400_000) / 3_600_000)} h`;
}

/** `5 s ago`, `in 3 min`, relative to `now`. */
export function formatRelative(iso: string | undefined, now: number): string {
  if (!iso) return '—';
  const delta = Date.parse(iso) - now;
  if (!Number.isFinite(delta)) return '—';
  if (Math.abs(delta) < 1000) return 'now';
  return delta < 0 ? `${formatDuration(-delta)} ago` : `in ${formatDuration(delta)}`;
}

/** A timestamp in the browser's time zone, to the second: `2026-01-05 14:03:09`. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `12,345`. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** `every 30 s` or the cron expression with its time zone. */
export function formatCadence(schedule: { cron?: string; everyMs?: number; tz?: string }): string {
  if (schedule.everyMs !== undefined) return `every ${formatDuration(schedule.everyMs)}`;
  return schedule.cron ?? '—';
}

/** A short form of a long id: the last 8 characters. */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}
