/**
 * Deprecation warnings for the legacy facade: one per call site (file:line:column
 * of the caller), so a log shows every place left to migrate without repeating
 * a warning for each task a loop adds.
 */

/** The `code` of every warning the facade emits. */
export const LEGACY_DEPRECATION_CODE = 'SWITCHYARD_LEGACY_TASK_QUEUE';

// Module-level on purpose: "once per call site" holds across every manager in the process.
const warnedCallSites = new Set<string>();

/**
 * Emits a `DeprecationWarning` for `method` unless this call site already got one.
 * `entry` is the public function the caller called; frames above it are cut, so the
 * first remaining frame is the caller's own line.
 */
export function warnDeprecatedOnce(
  method: string,
  replacement: string,
  entry: (...args: any[]) => unknown,
): void {
  const site = callerLocation(entry);
  const key = `${method}@${site}`;
  if (warnedCallSites.has(key)) return;
  warnedCallSites.add(key);
  process.emitWarning(
    `TaskQueueManager.${method}() is deprecated; use ${replacement} instead (called at ${site}). ` +
      'See docs/migration-from-priority-queue.md.',
    { type: 'DeprecationWarning', code: LEGACY_DEPRECATION_CODE },
  );
}

/** `file:line:column` of the code that called `entry`, or `<unknown>` when the stack has no frame for it. */
function callerLocation(entry: (...args: any[]) => unknown): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  try {
    Error.captureStackTrace(holder, entry);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const frame = holder.stack?.split('\n')[1]?.trim() ?? '';
  const location = /\(?([^()\s]+:\d+:\d+)\)?$/.exec(frame)?.[1];
  return location ?? '<unknown>';
}
