/** The harness's backends by name. */
import { bullmqBackend } from './bullmq.ts';
import { pgbossBackend } from './pgboss.ts';
import { ensureSqsEndpoint, sqsBackend } from './sqs.ts';
import type { BackendName, ChaosBackend } from './types.ts';

export const BACKENDS: Record<BackendName, ChaosBackend> = {
  bullmq: bullmqBackend,
  pgboss: pgbossBackend,
  sqs: sqsBackend,
};

export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];

/** Starts what a backend needs in the harness's process (the SQS emulator) before any child is spawned. */
export async function prepareBackend(name: BackendName): Promise<ChaosBackend> {
  if (name === 'sqs') await ensureSqsEndpoint();
  return BACKENDS[name];
}

export { closeRedisAdmin } from './redis-clients.ts';
export type { BackendName, ChaosBackend, MalformedSummary, Route } from './types.ts';
