/**
 * Connections of the Redis store: its own client (or the caller's) with the Lua scripts
 * registered, and one dedicated connection per event subscription.
 */
import { AdapterError } from '@switchyard/core';
import { defineThrottleScripts } from '@switchyard/redis-throttle';
import type { Redis, RedisOptions } from 'ioredis';
import { defineOperationScripts, type OperationCommands } from './redis-operations.js';
import {
  CLAIM_HEADS,
  DELETE_JOB,
  GET_JOBS,
  INSERT_JOBS,
  MISSING_TICKETS,
  SWAP_SCHEDULE,
  UPDATE_JOB,
  UPDATE_JOBS,
} from './redis-scripts.js';

/** Scripts of the job runtime registered with `defineCommand`, as ioredis exposes them. */
export interface ScriptCommands {
  syInsertJobs(...args: string[]): Promise<string[]>;
  syUpdateJob(...args: string[]): Promise<number | null>;
  syUpdateJobs(...args: string[]): Promise<number[]>;
  syGetJobs(...args: string[]): Promise<string[]>;
  syDeleteJob(...args: string[]): Promise<number>;
  sySwapSchedule(...args: string[]): Promise<number>;
  syClaimHeads(...args: string[]): Promise<Array<[number, number, Array<string | number>, string[]]>>;
  syMissingTickets(...args: string[]): Promise<number>;
}

/** A connection with every script of the store. */
export type StoreClient = Redis & ScriptCommands & OperationCommands;

/** The ioredis client class. */
export type RedisClass = new (url: string, options: RedisOptions) => Redis;

/** Registers every script on `client`. */
export function withScripts(client: Redis): StoreClient {
  client.defineCommand('syInsertJobs', { numberOfKeys: 1, lua: INSERT_JOBS });
  client.defineCommand('syUpdateJob', { numberOfKeys: 1, lua: UPDATE_JOB });
  client.defineCommand('syUpdateJobs', { numberOfKeys: 1, lua: UPDATE_JOBS });
  client.defineCommand('syGetJobs', { numberOfKeys: 1, lua: GET_JOBS });
  client.defineCommand('syDeleteJob', { numberOfKeys: 1, lua: DELETE_JOB });
  client.defineCommand('sySwapSchedule', { numberOfKeys: 1, lua: SWAP_SCHEDULE });
  client.defineCommand('syClaimHeads', { numberOfKeys: 1, lua: CLAIM_HEADS });
  client.defineCommand('syMissingTickets', { numberOfKeys: 1, lua: MISSING_TICKETS });
  defineOperationScripts(client);
  defineThrottleScripts(client);
  return client as StoreClient;
}

/** Loads ioredis (an optional peer dependency) and opens the store's own client at `url`. */
export async function connectOwnClient(
  url: string,
  onError: (error: Error) => void,
): Promise<{ client: Redis; RedisClass: RedisClass }> {
  const { Redis: RedisClient } = await import('ioredis').catch((cause: unknown) => {
    throw new AdapterError('sqs', 'the Redis job-state store needs the optional peer dependency "ioredis"', {
      cause,
    });
  });
  const client = new RedisClient(url, {
    lazyConnect: true,
    // Fail fast while disconnected, and never replay a command after a reconnect: a write the
    // caller was told failed (BACKEND_UNAVAILABLE) must not take effect later. Callers retry.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
  });
  // Connection errors also reject the commands waiting on them, where they are wrapped and
  // reported; this listener keeps ioredis from printing them a second time as unhandled.
  client.on('error', onError);
  try {
    await client.connect();
  } catch (cause) {
    client.disconnect(false);
    throw new AdapterError(
      'sqs',
      `cannot reach Redis for the job-state store at ${url} (set REDIS_URL, or start one with: docker run -p 6379:6379 redis:7)`,
      { cause },
    );
  }
  return { client, RedisClass: RedisClient };
}

/**
 * A new connection for one event subscription (a blocking XREAD holds its connection): from
 * `url` when the store opened its own client, else a duplicate of the caller's. It does not
 * reconnect by itself: the subscription notices the break, reports a gap and opens another.
 */
export async function openEventConnection(settings: {
  url: string;
  RedisClass: RedisClass | null;
  shared: Redis;
  name: string;
  onError: (error: Error) => void;
}): Promise<Redis> {
  const options: RedisOptions = {
    lazyConnect: true,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: false,
    // A blocked read answers within its BLOCK time; no answer much later means a dead socket.
    commandTimeout: 15_000,
    connectionName: settings.name,
  };
  const connection = settings.RedisClass
    ? new settings.RedisClass(settings.url, options)
    : settings.shared.duplicate(options);
  connection.on('error', settings.onError);
  try {
    await connection.connect();
  } catch (cause) {
    connection.disconnect(false);
    throw new AdapterError('sqs', `cannot open a Redis connection for job events (${settings.url})`, {
      cause,
    });
  }
  return connection;
}

/** The CLIENT SETNAME of a store's event connections (printable ASCII only), to find them in CLIENT LIST. */
export function eventConnectionName(ns: string): string {
  return `switchyard-events:${ns.replace(/[^!-~]/g, '_')}`.slice(0, 200);
}
