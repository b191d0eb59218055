/**
 * The Redis Cluster section (issue 22): the BullMQ adapter on a real 3-master Redis Cluster,
 * started on loopback for each run (`scripts/redis-cluster.mjs`, as the conformance suite's
 * cluster run does), beside the same work on one Redis node: bulk enqueue of no-op jobs, then
 * their processing at concurrency 100. A queue's keys share one hash slot (the prefix is a hash
 * tag), so one queue lives on one master; the cluster's cost is the client's routing.
 */
import { randomBytes } from 'node:crypto';
import { bullmqAdapter } from '@switchyard/adapter-bullmq';
import { createSwitchyard, defineTask, type QueueAdapter } from '@switchyard/core';
import { REDIS_URL } from '@switchyard/test-services';
import { Cluster } from 'ioredis';
import { startRedisCluster } from '../../../scripts/redis-cluster.mjs';
import { deleteKeys } from '../redis-keys.ts';
import type { BenchOptions, Scenario, Section } from '../section.ts';
import { until } from '../wait.ts';

const task = defineTask({ name: 'bench-cluster', queue: 'cluster', retry: { attempts: 1 } });
const BATCH = 1_000;
const CONCURRENCY = 100;

/** Bulk enqueue then processing of `jobs` no-op jobs through `adapter`; both rates. */
async function measure(adapter: QueueAdapter, jobs: number): Promise<Record<string, number>> {
  const yard = createSwitchyard({ adapter, tasks: [task], publishEvents: false, history: { record: false } });
  try {
    await yard.start();
    const enqueueStarted = performance.now();
    for (let done = 0; done < jobs; done += BATCH)
      await yard.enqueueMany(
        task,
        Array.from({ length: Math.min(BATCH, jobs - done) }, () => ({})),
      );
    const enqueueSeconds = (performance.now() - enqueueStarted) / 1000;
    let completed = 0;
    const worker = yard.createWorker({ concurrency: CONCURRENCY, scheduler: false });
    worker.handle(task, () => {
      completed++;
    });
    const processStarted = performance.now();
    await worker.start();
    if (!(await until(() => completed >= jobs, 300_000, 2)))
      throw new Error(`only ${completed} of ${jobs} jobs ran within 300 s`);
    const processSeconds = (performance.now() - processStarted) / 1000;
    return { enqueue: jobs / enqueueSeconds, process: jobs / processSeconds };
  } finally {
    await yard.close();
  }
}

async function onCluster(jobs: number): Promise<Record<string, number>> {
  const cluster = await startRedisCluster({ masters: 3 });
  const connection = new Cluster(cluster.nodes, { lazyConnect: true });
  try {
    return await measure(
      bullmqAdapter({ connection, prefix: `{bcl${randomBytes(4).toString('hex')}}` }),
      jobs,
    );
  } finally {
    connection.disconnect();
    await cluster.stop();
  }
}

async function onOneNode(jobs: number): Promise<Record<string, number>> {
  const prefix = `{bsn${randomBytes(4).toString('hex')}}`;
  try {
    return await measure(bullmqAdapter({ connection: REDIS_URL, prefix }), jobs);
  } finally {
    await deleteKeys(REDIS_URL, `${prefix}*`);
  }
}

function clusterScenario(jobs: number): Scenario {
  return {
    id: 'bullmq-cluster',
    title: `BullMQ adapter: ${jobs.toLocaleString('en')} no-op jobs, bulk enqueue then processing at concurrency ${CONCURRENCY}, on a 3-master Redis Cluster (switchyard) and on one node`,
    settings: { jobs, batch: BATCH, concurrency: CONCURRENCY, masters: 3 },
    metrics: [
      { key: 'enqueue', label: 'enqueue jobs/s', better: 'higher' },
      { key: 'process', label: 'process jobs/s', better: 'higher' },
    ],
    contenders: [
      { name: 'switchyard', role: 'switchyard', run: () => onCluster(jobs) },
      { name: 'one node', role: 'peer', run: () => onOneNode(jobs) },
    ],
  };
}

/** The Redis Cluster section. */
export function clusterSection(): Section {
  return {
    name: 'redis-cluster',
    peers: ['one node'],
    availability: async () => undefined,
    scenarios: async (options: BenchOptions) => [clusterScenario(options.quick ? 5_000 : 20_000)],
  };
}
