/** Raw HTTP/1.1 over a socket, for requests `fetch` refuses to send (CR/LF in headers, bad paths). */
import { connect } from 'node:net';

/** Sends `text` as-is and resolves with the status of the first response line (0 if none came). */
export function rawRequest(port: number, text: string | Buffer, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(String(text).slice(0, 120))}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      resolve(match ? Number(match[1]) : 0);
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(received)) {
        socket.destroy();
        finish();
      }
    });
    socket.on('error', () => finish());
    socket.on('close', finish);
    socket.write(text);
  });
}
