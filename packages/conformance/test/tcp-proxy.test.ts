import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../src/tcp-proxy.js';
import { sleep, waitUntil } from '../src/wait.js';

/** An echo server: what a backend looks like to the proxy. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

/** Connects to the proxy and collects what comes back. */
async function connect(
  proxy: TcpProxy,
): Promise<{ socket: Socket; received: () => string; error: () => unknown }> {
  const socket = new Socket();
  let data = '';
  let failure: unknown;
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
  });
  socket.on('error', (error) => {
    failure = error;
  });
  socket.connect(proxy.address.port, proxy.address.host);
  await once(socket, 'connect');
  return { socket, received: () => data, error: () => failure };
}

/** Resolves when the socket closes (`events.once` would reject on the reset's 'error'). */
function closing(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Resolves with the error code of a connection attempt to the proxy. */
function connectError(proxy: TcpProxy): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.connect(proxy.address.port, proxy.address.host);
  });
}

describe('tcp proxy', () => {
  let echo: { server: Server; port: number };
  let proxy: TcpProxy;
  beforeEach(async () => {
    echo = await echoServer();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: echo.port });
  });
  afterEach(async () => {
    await proxy.close();
    echo.server.close();
  });

  it('forwards both ways', async () => {
    const client = await connect(proxy);
    client.socket.write('hello');
    await waitUntil(() => client.received() === 'hello', 2000, 'the echo');
    expect(proxy.openConnections).toBe(1);
    expect(proxy.accepted).toBe(1);
    client.socket.destroy();
  });

  it('cut resets open connections and refuses new ones; restore listens again on the same port', async () => {
    const client = await connect(proxy);
    const closed = closing(client.socket);
    await proxy.cut();
    await closed;
    expect((client.error() as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNRESET');
    expect(proxy.mode).toBe('cut');
    expect(await connectError(proxy)).toBe('ECONNREFUSED');
    await proxy.restore();
    const again = await connect(proxy);
    again.socket.write('back');
    await waitUntil(() => again.received() === 'back', 2000, 'the echo after restore');
    again.socket.destroy();
  });

  it('freeze holds the data in both directions; restore delivers it', async () => {
    const client = await connect(proxy);
    proxy.freeze();
    client.socket.write('held');
    const late = await connect(proxy);
    late.socket.write('late');
    await sleep(200);
    expect(client.received()).toBe('');
    expect(late.received()).toBe('');
    await proxy.restore();
    await waitUntil(() => client.received() === 'held', 2000, 'the held echo');
    await waitUntil(() => late.received() === 'late', 2000, 'the late echo');
    client.socket.destroy();
    late.socket.destroy();
  });

  it('resetConnections kills the open connections and keeps serving', async () => {
    const client = await connect(proxy);
    const closed = closing(client.socket);
    expect(proxy.resetConnections()).toBe(1);
    await closed;
    const again = await connect(proxy);
    again.socket.write('still');
    await waitUntil(() => again.received() === 'still', 2000, 'the echo after the reset');
    again.socket.destroy();
  });
});
