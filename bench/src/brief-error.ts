/** Short failure reasons for the report. */

/**
 * One line for the table: a child process's failure message carries its whole
 * stderr, so keep the line that names the error (the full text goes to the log).
 */
export function briefError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const named = lines.find((line) => /^[A-Za-z]*(Error|Exception)\b.*:/.test(line));
  const line = named ?? lines[0] ?? 'unknown error';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
