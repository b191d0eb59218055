import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectCommands } from '../src/direct-commands.js';
import { REDIS_URL, requireRedis } from './redis-required.js';

describe('DirectCommands (the commands of a one-job enqueue, without a pipeline object)', () => {
  let client: Redis;
  const key = `{sy-direct-${randomBytes(4).toString('hex')}}`;

  beforeAll(async () => {
    await requireRedis();
    client = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await client.del(`${key}:set`, `${key}:zset`, `${key}:string`);
    client.disconnect();
  });

  it('sends nothing before exec, then every command in order, with replies shaped as pipeline.exec()', async () => {
    const commands = new DirectCommands(client)
      .runCommand('sadd', [`${key}:set`, 'a', 'b'])
      .zadd(`${key}:zset`, 0, 'x');
    expect(await client.exists(`${key}:set`, `${key}:zset`)).toBe(0);
    expect(await commands.exec()).toEqual([
      [null, 2],
      [null, 1],
    ]);
    expect(await client.smembers(`${key}:set`)).toEqual(expect.arrayContaining(['a', 'b']));
  });

  it('reports a failed command in its own reply and still runs the others', async () => {
    await client.set(`${key}:string`, 'not a set');
    const replies = await new DirectCommands(client)
      .runCommand('sadd', [`${key}:string`, 'a'])
      .zadd(`${key}:zset`, 1, 'y')
      .exec();
    expect(replies[0]?.[0]).toBeInstanceOf(Error);
    expect(replies[0]?.[0]?.message).toMatch(/WRONGTYPE/);
    expect(replies[1]).toEqual([null, 1]);
  });

  it('runs a command queued the way BullMQ queues its scripts (runCommand with an argument list)', async () => {
    const replies = await new DirectCommands(client).runCommand('zadd', [`${key}:zset`, 2, 'z']).exec();
    expect(replies).toEqual([[null, 1]]);
    expect(await client.zscore(`${key}:zset`, 'z')).toBe('2');
  });

  it('sends nothing once discarded, and refuses a command the client does not have', async () => {
    const commands = new DirectCommands(client).runCommand('sadd', [`${key}:set`, 'discarded']);
    commands.discard();
    expect(await commands.exec()).toEqual([]);
    expect(await client.sismember(`${key}:set`, 'discarded')).toBe(0);
    expect(() => new DirectCommands(client).syRecordQueuesFindJobs(`${key}:set`)).toThrow(
      /no "syRecordQueuesFindJobs" command/,
    );
  });
});
