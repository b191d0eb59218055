/**
 * Running the API: a Node request listener (plain `http`, Express), a Fastify plugin,
 * and `serveApi` for a standalone server.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, serve } from '@hono/node-server';
import type { Switchyard } from '@switchyard/core';
import { type CreateApiOptions, createApi, type SwitchyardApi } from './create-api.js';

/** A Node handler; as Express middleware it passes requests outside the API's paths to `next`. */
export type NodeHandler = (
  req: IncomingMessage & { originalUrl?: string },
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * The API as a Node request listener: `http.createServer(toNodeHandler(api))`, or
 * Express's `app.use(toNodeHandler(api))`. Under Express the full `originalUrl` is used,
 * so the API answers at its `basePath` wherever the middleware is mounted.
 */
export function toNodeHandler(api: SwitchyardApi): NodeHandler {
  const listener = getRequestListener(api.fetch);
  return (req, res, next) => {
    const url = typeof req.originalUrl === 'string' ? req.originalUrl : (req.url ?? '/');
    const pathname = url.split('?')[0] ?? '/';
    if (next && !api.handles(pathname)) {
      next();
      return;
    }
    req.url = url;
    listener(req, res).catch((error: unknown) => (next ? next(error) : res.destroy(error as Error)));
  };
}

/** The part of a Fastify instance the plugin uses (no dependency on fastify itself). */
export interface FastifyLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    parser: (request: unknown, payload: unknown, done: (error: Error | null, body?: unknown) => void) => void,
  ): void;
  all(
    path: string,
    handler: (request: { raw: IncomingMessage }, reply: { raw: ServerResponse; hijack(): void }) => void,
  ): unknown;
}

/**
 * The API as a Fastify plugin: `await fastify.register(fastifyPlugin(api))`. Inside the
 * plugin's scope Fastify leaves bodies unread, and the API reads them itself.
 */
export function fastifyPlugin(api: SwitchyardApi): (fastify: FastifyLike) => Promise<void> {
  const handle = toNodeHandler(api);
  return async function switchyardApi(fastify) {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const route = (request: { raw: IncomingMessage }, reply: { raw: ServerResponse; hijack(): void }) => {
      reply.hijack();
      handle(request.raw, reply.raw);
    };
    for (const mount of api.mountPaths) {
      fastify.all(mount === '' ? '/' : mount, route);
      fastify.all(`${mount}/*`, route);
    }
  };
}

/** Options of `serveApi`: `createApi`'s, plus where to listen. */
export interface ServeApiOptions extends CreateApiOptions {
  /** Port; 0 picks a free one. Default 3000. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1` (loopback; pass `0.0.0.0` to expose it). */
  host?: string;
}

/** A running standalone API server. */
export interface ServedApi {
  api: SwitchyardApi;
  server: Server;
  /** `http://host:port` plus the base path. */
  url: string;
  port: number;
  /** Ends event streams and closes the server (the yard stays open: close it yourself). */
  close(): Promise<void>;
}

/** Starts a standalone HTTP server for the API. The yard must be started by the caller. */
export async function serveApi(yard: Switchyard, options: ServeApiOptions): Promise<ServedApi> {
  const { port = 3000, host = '127.0.0.1', ...apiOptions } = options;
  const api = createApi(yard, apiOptions);
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: api.fetch, port, hostname: host }, () =>
      resolve(created as Server),
    ) as Server;
    created.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    api,
    server,
    port: address.port,
    url: `http://${shownHost}:${address.port}${api.apiBasePath}`,
    close: async () => {
      await api.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}
