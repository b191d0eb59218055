// Child process: follows GET /events with @switchyard/http/client and prints each event as a JSON line.
// Usage: node sse-client.mjs <baseUrl> <token> <queue>
import { createClient } from '@switchyard/http/client';

const [baseUrl, token, queue] = process.argv.slice(2);
const client = createClient({ baseUrl, token });
const controller = new AbortController();
process.on('SIGTERM', () => controller.abort());
try {
  for await (const event of client.events({ queues: [queue], signal: controller.signal })) {
    process.stdout.write(`${JSON.stringify({ pid: process.pid, event })}\n`);
  }
} catch (error) {
  process.stderr.write(`sse-client failed: ${error?.code ?? ''} ${error?.message ?? error}\n`);
  process.exitCode = 1;
}
