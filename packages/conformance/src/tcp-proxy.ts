/**
 * A TCP proxy between an adapter and one backend service (Redis, PostgreSQL, SQS) that a
 * test can cut and restore: the outage group and the chaos harness make real outages with it
 * without touching the shared services. It listens on 127.0.0.1 and a free port and
 * forwards every connection to the service.
 */
import { createServer, type Server, Socket } from 'node:net';

/** A TCP address of a backend service. */
export interface ServiceAddress {
  host: string;
  port: number;
}

/** How the proxy treats traffic: forwarding, cut (down) or frozen (a silent network). */
export type ProxyMode = 'open' | 'cut' | 'frozen';

/** A running proxy. */
export interface TcpProxy {
  /** Where clients connect instead of the service. */
  readonly address: ServiceAddress;
  /** The service behind it. */
  readonly target: ServiceAddress;
  readonly mode: ProxyMode;
  /** Connections open now. */
  readonly openConnections: number;
  /** Connections accepted since the proxy started. */
  readonly accepted: number;
  /**
   * The service goes down: every connection is reset and new ones are refused
   * (ECONNREFUSED: the port stops listening) until `restore()`.
   */
  cut(): Promise<void>;
  /**
   * The network goes silent: connections stay open but nothing moves either way (data
   * waits in the sockets' buffers), and new connections are accepted but get no answer.
   * `restore()` lets the buffered data through, as a healed partition would.
   */
  freeze(): void;
  /** Resets every open connection once and keeps serving: a server-side connection kill. */
  resetConnections(): number;
  /** Back to forwarding (listening again on the same port after a cut). */
  restore(): Promise<void>;
  /** Resets every connection and stops listening for good. */
  close(): Promise<void>;
}

/** One client connection and its upstream twin. */
interface Pipe {
  client: Socket;
  upstream: Socket;
}

/** Starts a proxy to `target` on 127.0.0.1 and a free port. */
export async function startTcpProxy(target: ServiceAddress): Promise<TcpProxy> {
  const pipes = new Set<Pipe>();
  let mode: ProxyMode = 'open';
  let accepted = 0;
  let closed = false;

  const reset = (pipe: Pipe) => {
    pipes.delete(pipe);
    pipe.client.resetAndDestroy();
    pipe.upstream.destroy();
  };

  const onConnection = (client: Socket) => {
    accepted++;
    client.setNoDelay(true);
    const upstream = new Socket();
    const pipe: Pipe = { client, upstream };
    pipes.add(pipe);
    const drop = () => {
      if (!pipes.has(pipe)) return;
      pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    // Either side failing ends both: that is what the client would see from the service.
    client.on('error', drop);
    client.on('close', drop);
    upstream.on('error', drop);
    upstream.on('close', drop);
    upstream.setNoDelay(true);
    upstream.connect(target.port, target.host);
    client.pipe(upstream);
    upstream.pipe(client);
    if (mode === 'frozen') pause(pipe);
  };

  let server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = (instance: Server) =>
    new Promise<void>((resolve) => {
      instance.close(() => resolve());
    });

  await listen(0);
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('the proxy did not get a TCP port');
  const address: ServiceAddress = { host: '127.0.0.1', port: bound.port };

  return {
    address,
    target,
    get mode() {
      return mode;
    },
    get openConnections() {
      return pipes.size;
    },
    get accepted() {
      return accepted;
    },
    async cut() {
      if (closed || mode === 'cut') return;
      mode = 'cut';
      const listening = server;
      const stopped = stopListening(listening);
      for (const pipe of [...pipes]) reset(pipe);
      await stopped;
    },
    freeze() {
      if (closed || mode !== 'open') return;
      mode = 'frozen';
      for (const pipe of pipes) pause(pipe);
    },
    resetConnections() {
      const count = pipes.size;
      for (const pipe of [...pipes]) reset(pipe);
      return count;
    },
    async restore() {
      if (closed || mode === 'open') return;
      if (mode === 'cut') {
        // The same port again, so clients reconnect to the address they were given.
        server = createServer(onConnection);
        await listen(address.port);
      } else {
        for (const pipe of pipes) resume(pipe);
      }
      mode = 'open';
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const pipe of [...pipes]) reset(pipe);
      if (mode !== 'cut') await stopListening(server);
    },
  };
}

/** Stops moving data both ways; the bytes wait in the sockets' buffers. */
function pause(pipe: Pipe): void {
  pipe.client.unpipe(pipe.upstream);
  pipe.upstream.unpipe(pipe.client);
  pipe.client.pause();
  pipe.upstream.pause();
}

function resume(pipe: Pipe): void {
  pipe.client.pipe(pipe.upstream);
  pipe.upstream.pipe(pipe.client);
}
