/**
 * Serving a registry: `metricsHandler` for a plain Node `http` server,
 * `metricsFetchHandler` for fetch-style servers (Hono, Bun, Deno, workers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Registry, register } from 'prom-client';

/**
 * A Node `http` request listener answering GET/HEAD with the registry in Prometheus text
 * format: `http.createServer(metricsHandler(registry)).listen(9464)`, or call it from your
 * own server's `/metrics` route.
 */
export function metricsHandler(
  registry: Registry = register,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`could not collect metrics: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  };
}

/** The same for fetch-style servers: `app.get('/metrics', metricsFetchHandler(registry))` style. */
export function metricsFetchHandler(registry: Registry = register): () => Promise<Response> {
  return async () => {
    try {
      const text = await registry.metrics();
      return new Response(text, {
        status: 200,
        headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
      });
    } catch (error) {
      return new Response(
        `could not collect metrics: ${error instanceof Error ? error.message : String(error)}\n`,
        {
          status: 500,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        },
      );
    }
  };
}
