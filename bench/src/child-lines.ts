/** Line-by-line reading of a child process's output (the bench's child processes speak in lines). */
import type { Readable } from 'node:stream';

/** Calls `onLine` with every complete line `stream` writes, without its newline. */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}
