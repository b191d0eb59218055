/**
 * Just enough Redis for this test's setup and cleanup, over a raw socket:
 * adapter-memory has no Redis client of its own, and the durable run must
 * fail loudly (naming REDIS_URL) when the server is down.
 */
import { connect } from 'node:net';
import { REDIS_URL, redisUnreachableMessage } from '@switchyard/test-services';

/** Where Redis is: `REDIS_URL`, default `redis://127.0.0.1:6379`. */
export { REDIS_URL };

/** Sends one command (RESP array of bulk strings) and resolves with the first reply line. */
export function redisCommand(args: string[], timeoutMs = 2000): Promise<string> {
  const url = new URL(REDIS_URL);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(redisUnreachableMessage(REDIS_URL, `no answer within ${timeoutMs} ms`)));
    }, timeoutMs);
    let reply = '';
    socket.on('connect', () => {
      const auth = url.password
        ? [['AUTH', ...(url.username ? [url.username] : []), decodeURIComponent(url.password)]]
        : [];
      for (const command of [...auth, args]) {
        socket.write(
          `*${command.length}\r\n${command.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`,
        );
      }
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const lines = reply.split('\r\n');
      // AUTH answers first when used; the command's reply is the last complete line.
      if (lines.length - 1 > (url.password ? 1 : 0)) {
        clearTimeout(timer);
        socket.end();
        resolve(lines[url.password ? 1 : 0]!);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(redisUnreachableMessage(REDIS_URL, error.message), { cause: error }));
    });
  });
}

/** Throws a message naming REDIS_URL unless Redis answers PING. */
export async function assertRedisReachable(): Promise<void> {
  const reply = await redisCommand(['PING']);
  if (reply !== '+PONG') {
    throw new Error(redisUnreachableMessage(REDIS_URL, `PING answered ${JSON.stringify(reply)}`));
  }
}

/** Deletes every key under `prefix` (this test's own namespace). */
export async function deleteKeysUnder(prefix: string): Promise<void> {
  const script = "for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end return 1";
  const reply = await redisCommand(['EVAL', script, '0', `${prefix}*`]);
  if (reply !== ':1') throw new Error(`cleanup of Redis keys under ${prefix} failed: ${reply}`);
}
