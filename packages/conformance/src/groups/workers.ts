/**
 * The workers registry: every live worker of the cluster is listed from any yard,
 * with what it runs; a stopped worker leaves at once, a dead one after its grace.
 */
import { hostname } from 'node:os';
import { SWITCHYARD_VERSION, type Switchyard, type WorkerInfo } from '@switchyard/core';
import { expect } from 'vitest';
import { spawnChild } from '../children.js';
import { gatedDescribe, type SuiteEnv, scopedTest } from '../harness.js';
import { waitForState } from '../job-waits.js';
import { opsTask } from '../tasks.js';
import { waitUntil } from '../wait.js';

async function workerById(yard: Switchyard, id: (worker: WorkerInfo) => boolean) {
  return (await yard.workers.list()).find(id);
}

/** Registers the `workers` group of the conformance suite. */
export function registerWorkers(env: SuiteEnv): void {
  gatedDescribe(env, 'operations', 'workers', () => {
    scopedTest(
      env,
      'a started worker is listed from another yard with what it runs; stop removes it',
      async (scope) => {
        const yard = await scope.yard();
        const observer = await scope.yard();
        const gate = scope.gate();
        const started: string[] = [];
        const worker = await scope.worker(yard, {
          queues: [opsTask.queue, 'default'],
          concurrency: 3,
          handlers: [
            [
              opsTask,
              async (_payload: unknown, ctx: { job: { id: string } }) => {
                started.push(ctx.job.id);
                await gate.opened;
              },
            ],
          ],
        });
        const listed = await waitUntil(
          () =>
            workerById(
              observer,
              (entry) => entry.pid === process.pid && entry.queues.includes(opsTask.queue),
            ),
          scope.ms(3000),
          'the worker in workers.list()',
        );
        expect(listed).toMatchObject({
          hostname: hostname(),
          pid: process.pid,
          concurrency: 3,
          runningJobIds: [],
          version: SWITCHYARD_VERSION,
          adapter: yard.adapter.name,
        });
        expect([...listed.queues].sort()).toEqual(['default', opsTask.queue].sort());
        expect(listed.lastSeenAt.getTime()).toBeGreaterThanOrEqual(listed.startedAt.getTime());
        expect(listed.expiresAt.getTime()).toBeGreaterThan(listed.lastSeenAt.getTime());

        const { id } = await yard.enqueue(opsTask, { n: 1 });
        await waitUntil(() => started.includes(id), scope.ms(3000), 'the job to start');
        // The running job shows up at the next heartbeat (a third of the 1 s lease).
        await waitUntil(
          async () =>
            (await workerById(observer, (entry) => entry.id === listed.id))?.runningJobIds.includes(id),
          scope.ms(3000),
          'the running job in the worker entry',
        );
        gate.open();
        await waitForState(yard, id, 'completed', scope.ms(3000));
        await worker.stop();
        expect(await workerById(observer, (entry) => entry.id === listed.id)).toBeUndefined();
      },
    );

    scopedTest(
      env,
      'an entry that is not refreshed expires; malformed entries are skipped',
      async (scope) => {
        const yard = await scope.yard();
        const { workers } = yard.adapter as { workers: import('@switchyard/core').WorkerRegistry };
        const now = Date.now();
        const entry = (id: string, expiresAt: number) =>
          JSON.stringify({
            v: 1,
            id,
            hostname: 'elsewhere',
            pid: 4242,
            queues: ['default'],
            concurrency: 1,
            runningJobIds: [],
            startedAt: now,
            lastSeenAt: now,
            expiresAt,
            version: '0.0.0',
            adapter: yard.adapter.name,
          });
        const expiresAt = now + scope.ms(600);
        await workers.put('worker-short', entry('worker-short', expiresAt), new Date(expiresAt));
        const longAt = now + scope.ms(60_000);
        await workers.put('worker-long', entry('worker-long', longAt), new Date(longAt));
        await workers.put('worker-bad', '{not json', new Date(longAt));
        await workers.put('worker-wrong', JSON.stringify({ v: 1, id: 3 }), new Date(longAt));
        const ids = async () => (await yard.workers.list()).map((worker) => worker.id).sort();
        expect(await ids()).toEqual(['worker-long', 'worker-short']);
        await waitUntil(
          async () => !(await ids()).includes('worker-short'),
          scope.ms(3000),
          'the entry to expire',
        );
        expect(await ids()).toEqual(['worker-long']);
        await workers.remove('worker-long');
        expect(await ids()).toEqual([]);
      },
    );

    gatedDescribe(env, 'operations/other-process', 'a worker in another process', () => {
      scopedTest(
        env,
        'is listed with its pid, and drops out within its grace after SIGKILL',
        async (scope) => {
          const yard = await scope.yard();
          const leaseMs = scope.ms(600);
          const child = spawnChild(scope, 'ops-child', [
            env.moduleUrl,
            scope.prefix,
            'work',
            String(leaseMs),
          ]);
          await child.waitForLine((line) => line === 'READY', scope.ms(20_000), 'the child worker to start');
          const pid = child.process.pid!;
          const listed = await waitUntil(
            () => workerById(yard, (entry) => entry.pid === pid),
            scope.ms(3000),
            'the child worker in workers.list()',
          );
          expect(listed.queues).toEqual([opsTask.queue]);
          await child.kill();
          const killedAt = Date.now();
          // Grace: three heartbeats of a third of the lease each = one lease.
          await waitUntil(
            async () => (await workerById(yard, (entry) => entry.pid === pid)) === undefined,
            scope.ms(5000),
            'the killed worker to drop out',
          );
          expect(Date.now() - killedAt).toBeLessThanOrEqual(leaseMs + scope.ms(1000));
        },
        40_000,
      );
    });
  });
}
