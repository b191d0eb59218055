/**
 * The demo shop's yard for the `switchyard` CLI (`./dev cli <command>`): the shop's tasks
 * on the backend `QUEUE_BACKEND` picks (default memory), like `pnpm demo`.
 *
 * The namespace is fixed (`DEMO_NAMESPACE`, default `cli`) rather than fresh per run, so
 * separate CLI processes on a durable backend share one set of queues: a `worker` in one
 * terminal runs what `jobs enqueue` sends from another. On memory (and on SQS with its
 * in-process emulator) each CLI process has a backend of its own.
 */
import { createSwitchyard, type Logger, type Switchyard } from '@switchyard/core';
import { openBackend } from './src/backends.ts';
import { DEMO_TIMINGS, parseBackendName } from './src/config.ts';
import { createShopTasks } from './src/tasks.ts';

export default async function demoYard({ logger }: { logger: Logger }): Promise<Switchyard> {
  const backend = await openBackend(
    parseBackendName(process.env.QUEUE_BACKEND ?? 'memory'),
    process.env.DEMO_NAMESPACE ?? 'cli',
  );
  let yard: Switchyard | undefined;
  const tasks = createShopTasks({ orders: backend.orders, timings: DEMO_TIMINGS, yard: () => yard! });
  yard = createSwitchyard({ adapter: backend.adapter, tasks: tasks.all, logger });
  return yard;
}
