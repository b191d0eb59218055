/**
 * A TCP proxy the test controls, between the adapter and Redis: `cut()` drops every connection
 * and refuses new ones (Redis looks down to the adapter), `restore()` accepts again. The shared
 * Redis itself is never touched. `cutAfterBytes(n)` cuts in the middle of a client's write, once
 * `n` more bytes went towards Redis, so a test can drop a connection with commands in flight.
 */
import { createServer, type Server, Socket } from 'node:net';

/** A cuttable proxy on a free loopback port. */
export interface TcpProxy {
  readonly port: number;
  /** Bytes forwarded from clients to Redis so far. */
  readonly bytesToServer: number;
  /** Local ports of every connection the proxy opened towards Redis (Redis's `CLIENT LIST` shows them as `addr`). */
  readonly upstreamPorts: readonly number[];
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Cuts as soon as `bytes` more bytes have gone towards Redis (the chunk that crosses it is dropped). */
  cutAfterBytes(bytes: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (host:port). */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let bytesToServer = 0;
  const upstreamPorts: number[] = [];
  let cutAt: number | undefined;
  let onCut: (() => void) | undefined;
  let server: Server;
  let port = 0;

  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = new Socket();
        sockets.add(client);
        sockets.add(upstream);
        client.pause();
        upstream.connect(target.port, target.host, () => {
          if (upstream.localPort !== undefined) upstreamPorts.push(upstream.localPort);
          client.resume();
        });
        client.on('data', (chunk: Buffer) => {
          if (cutAt !== undefined && bytesToServer + chunk.length >= cutAt) {
            // Forward only up to the limit: the rest of the write never reaches Redis.
            const part = chunk.subarray(0, Math.max(0, cutAt - bytesToServer));
            cutAt = undefined;
            bytesToServer += part.length;
            if (part.length > 0) upstream.write(part);
            void cut().then(() => onCut?.());
            return;
          }
          bytesToServer += chunk.length;
          upstream.write(chunk);
        });
        upstream.on('data', (chunk: Buffer) => client.write(chunk));
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('close', end);
        upstream.on('close', end);
        client.on('error', end);
        upstream.on('error', end);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });

  const cut = () =>
    new Promise<void>((resolve) => {
      dropAll();
      server.close(() => resolve());
      dropAll();
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get bytesToServer() {
      return bytesToServer;
    },
    upstreamPorts,
    cut,
    restore: listen,
    cutAfterBytes(bytes) {
      cutAt = bytesToServer + bytes;
      return new Promise<void>((resolve) => {
        onCut = resolve;
      });
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
