/**
 * A small Server-Sent Events reader over `fetch` (works in Node 22+ and browsers, and
 * unlike `EventSource` can send an `Authorization` header). Parses the stream per the
 * HTML spec's event-stream rules: `event`, `data` (joined by newlines), `id`, `retry`,
 * comments ignored.
 */

/** One message of an event stream. */
export interface SseMessage {
  event: string;
  data: string;
  /** The last `id` seen so far in the stream (what `Last-Event-ID` carries on reconnect). */
  lastEventId: string;
}

/** Reads messages from a response body; `onRetry` receives the server's reconnect delay. */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  onRetry: (ms: number) => void = () => {},
  lastEventId = '',
): AsyncGenerator<SseMessage> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id = lastEventId;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline = buffer.search(/\r\n|\r|\n/);
      while (newline !== -1) {
        const width = buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1;
        // A lone \r at the end of the buffer may be the first half of \r\n: wait for more.
        if (buffer[newline] === '\r' && newline === buffer.length - 1) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + width);
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), lastEventId: id };
          event = '';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          let text = colon === -1 ? '' : line.slice(colon + 1);
          if (text.startsWith(' ')) text = text.slice(1);
          if (field === 'event') event = text;
          else if (field === 'data') data.push(text);
          else if (field === 'id' && !text.includes('\0')) id = text;
          else if (field === 'retry' && /^\d+$/.test(text)) onRetry(Number(text));
        }
        newline = buffer.search(/\r\n|\r|\n/);
      }
    }
  } finally {
    // Stops the download when the consumer leaves early; a stream that already ended has nothing to cancel.
    await reader.cancel().catch(() => undefined);
  }
}
