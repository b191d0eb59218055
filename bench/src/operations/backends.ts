/**
 * One fresh, isolated backend of each kind for the operations section: an adapter
 * factory bound to a unique prefix/schema, and a cleanup that drops it.
 */
import { randomBytes } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { memoryAdapter } from '@switchyard/adapter-memory';
import { pgBossAdapter } from '@switchyard/adapter-pgboss';
import { redisStore, sqsAdapter } from '@switchyard/adapter-sqs';
import type { QueueAdapter } from '@switchyard/core';
import { DATABASE_URL, REDIS_URL } from '@switchyard/test-services';
import { startFauxqs } from 'fauxqs';
import pg from 'pg';
import { deleteKeys } from '../redis-keys.ts';

/** The backends of the operations section, in table order. */
export const BACKEND_NAMES = ['memory', 'bullmq', 'pgboss', 'sqs'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** A backend isolated for one measurement. */
export interface BenchBackend {
  name: BackendName;
  /** Another adapter on the same data (another "process"); memory returns the same one. */
  adapter(): QueueAdapter;
  /** How a child process builds the same adapter: `node child.ts <spec>`. */
  spec: string;
  /**
   * What autovacuum does on a default server: `VACUUM (ANALYZE)` of the job table
   * (pg-boss only; autovacuum is off on the bench's server).
   */
  vacuum?(): Promise<void>;
  drop(): Promise<void>;
}

let emulator: ReturnType<typeof startFauxqs> | undefined;

/** The fauxqs emulator, started once per bench process (or SQS_ENDPOINT). */
export async function sqsEndpointUrl(): Promise<string> {
  if (process.env.SQS_ENDPOINT) return process.env.SQS_ENDPOINT;
  emulator ??= startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  return (await emulator).address;
}

/** Stops the emulator if this process started it (its server would keep the process alive). */
export async function stopSqsEmulator(): Promise<void> {
  const started = emulator;
  emulator = undefined;
  if (started) await (await started).stop();
}

/** Builds an adapter from a spec string (used in this process and in child processes). */
export function adapterFromSpec(spec: string): QueueAdapter {
  const { kind, id, endpoint } = JSON.parse(spec) as { kind: BackendName; id: string; endpoint?: string };
  switch (kind) {
    case 'memory':
      return memoryAdapter();
    case 'bullmq':
      return bullmqAdapter({ connection: REDIS_URL, prefix: `{bops${id}}` });
    case 'pgboss':
      return pgBossAdapter({ connectionString: DATABASE_URL, schema: `bops_${id}` });
    case 'sqs':
      return sqsAdapter({
        client: new SQSClient({
          endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        }),
        store: redisStore({ url: REDIS_URL, keyPrefix: `{bops:${id}}` }),
        queuePrefix: `bops${id}`,
        waitTimeSeconds: 1,
      });
  }
}

/** A fresh backend of `kind`. */
export async function freshBackend(kind: BackendName): Promise<BenchBackend> {
  const id = randomBytes(4).toString('hex');
  const endpoint = kind === 'sqs' ? await sqsEndpointUrl() : undefined;
  const spec = JSON.stringify({ kind, id, ...(endpoint ? { endpoint } : {}) });
  let shared: QueueAdapter | undefined;
  return {
    name: kind,
    spec,
    adapter: () => {
      if (kind === 'memory') {
        shared ??= adapterFromSpec(spec);
        return shared;
      }
      return adapterFromSpec(spec);
    },
    ...(kind === 'pgboss' ? { vacuum: () => onSchema(`VACUUM (ANALYZE) bops_${id}.job_common`) } : {}),
    async drop() {
      if (kind === 'bullmq') await deleteKeys(REDIS_URL, `{bops${id}}*`);
      if (kind === 'sqs') await deleteKeys(REDIS_URL, `{bops:${id}}*`);
      if (kind === 'pgboss') await dropSchema(`bops_${id}`);
    },
  };
}

/** Drops a run's PostgreSQL schema and everything in it. */
export function dropSchema(schema: string): Promise<void> {
  return onSchema(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

/** Runs one statement on a connection of its own. */
async function onSchema(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
