/**
 * Huge values must not freeze the page (bull-board #368): the JSON viewer renders a
 * value only up to a budget of nodes and characters, and offers "load all" for the rest.
 */

/** A serialized value, cut when it is longer than `maxChars`. */
export interface JsonPreview {
  text: string;
  truncated: boolean;
  /** Length of the full serialization. */
  totalChars: number;
}

/** Pretty JSON of a value, cut at `maxChars` (pure). `undefined` shows as nothing. */
export function previewJson(value: unknown, maxChars: number): JsonPreview {
  const text = value === undefined ? '' : (JSON.stringify(value, null, 2) ?? String(value));
  if (text.length <= maxChars) return { text, truncated: false, totalChars: text.length };
  return { text: text.slice(0, maxChars), truncated: true, totalChars: text.length };
}

/** How many nodes a value has, counting until `limit` (cheap on huge values). */
export function countNodes(value: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count < limit) {
    const item = stack.pop();
    count += 1;
    if (item !== null && typeof item === 'object') {
      for (const child of Object.values(item as Record<string, unknown>)) stack.push(child);
    }
  }
  return count;
}

/** A byte size for people: `1.2 MB`. */
export function formatSize(chars: number): string {
  if (chars < 1024) return `${chars} B`;
  if (chars < 1024 * 1024) return `${(chars / 1024).toFixed(1)} kB`;
  return `${(chars / 1024 / 1024).toFixed(1)} MB`;
}
