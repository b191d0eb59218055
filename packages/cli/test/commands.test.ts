/**
 * Every operating command of the built `switchyard` binary on real Redis (BullMQ),
 * PostgreSQL (pg-boss) and fauxqs (SQS): `--json` output parsed and checked against
 * what the test's own yard reads from the same backend.
 */
import { JOB_STATES } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend-context.js';
import { boom, echo, sleep } from './fixtures/yard.js';
import { jsonOf } from './run-cli.js';

const BACKENDS = ['bullmq', 'pgboss', 'sqs'] as const;

describe.each(BACKENDS)('switchyard on %s', (backend) => {
  const setup = useBackend(backend);

  it('tasks: the config’s tasks with settings and payload schema', async () => {
    const t = await setup();
    const run = await t.cli(['tasks', '--json']);
    expect(run.code).toBe(0);
    expect(jsonOf(run)).toEqual(JSON.parse(JSON.stringify(t.yard.tasks.list())));
    const table = await t.cli(['tasks']);
    expect(table.stdout).toContain('echo');
    expect(table.stdout).toContain('slow');
  });

  it('jobs enqueue stores the job with its options; get and list show it', async () => {
    const t = await setup();
    const run = await t.cli([
      'jobs',
      'enqueue',
      'echo',
      '--payload',
      '{"n":7}',
      '--delay',
      '5m',
      '--priority',
      '2',
      '--unique-key',
      'k-7',
      '--metadata',
      'tenant=acme',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const { id, task } = jsonOf<{ id: string; task: string }>(run);
    expect(task).toBe('echo');
    const stored = await t.yard.jobs.get(id);
    expect(stored).toMatchObject({
      task: 'echo',
      state: 'scheduled',
      priority: 2,
      uniqueKey: 'k-7',
      payload: { n: 7 },
    });
    expect(stored?.metadata.tenant).toBe('acme');
    expect(stored!.runAt.getTime() - stored!.createdAt.getTime()).toBeGreaterThanOrEqual(299_000);

    const got = jsonOf(await t.cli(['jobs', 'get', id, '--json']));
    expect(got).toEqual(JSON.parse(JSON.stringify(stored)));

    // A second job with the same unique key is refused with the holder's id, and not stored.
    const duplicate = await t.cli([
      'jobs',
      'enqueue',
      'echo',
      '--payload',
      '{"n":8}',
      '--unique-key',
      'k-7',
      '--json',
    ]);
    expect(duplicate.code).toBe(1);
    expect(JSON.parse(duplicate.stderr).error).toMatchObject({ code: 'DUPLICATE_JOB', exitCode: 1 });
    expect(duplicate.stderr).toContain(id);
    expect((await t.yard.jobs.counts()).scheduled).toBe(1);
  });

  it('jobs list filters by state, queue and task and pages with --cursor', async () => {
    const t = await setup();
    const echoes = await t.yard.enqueueMany(echo, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    const slow = await t.yard.enqueue(sleep, { ms: 1 });
    const delayed = await t.yard.enqueue(echo, { n: 4 }, { delay: '1h' });

    const pending = jsonOf(
      await t.cli(['jobs', 'list', '--state', 'pending', '--queue', 'default', '--json']),
    );
    expect(pending.jobs.map((job: { id: string }) => job.id).sort()).toEqual(
      echoes.map((job) => job.id).sort(),
    );

    const scheduled = jsonOf(await t.cli(['jobs', 'list', '--state', 'scheduled', '--json']));
    expect(scheduled.jobs.map((job: { id: string }) => job.id)).toEqual([delayed.id]);

    const byTask = jsonOf(await t.cli(['jobs', 'list', '--task', 'sleep', '--json']));
    expect(byTask.jobs.map((job: { id: string }) => job.id)).toEqual([slow.id]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = jsonOf(
        await t.cli([
          'jobs',
          'list',
          '--queue',
          'default',
          '--limit',
          '2',
          '--json',
          ...(cursor ? ['--cursor', cursor] : []),
        ]),
      );
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.jobs.map((job: { id: string }) => job.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...echoes.map((job) => job.id), delayed.id].sort());

    const table = await t.cli(['jobs', 'list', '--state', 'pending']);
    expect(table.code).toBe(0);
    for (const job of echoes) expect(table.stdout).toContain(job.id);
  });

  it('jobs cancel, retry and remove change the stored job; unknown ids exit 3', async () => {
    const t = await setup();
    const { id } = await t.yard.enqueue(echo, { n: 1 }, { delay: '1h' });

    const cancel = await t.cli(['jobs', 'cancel', id, '--json']);
    expect(cancel.code).toBe(0);
    expect(jsonOf(cancel)).toEqual({ id, outcome: 'cancelled' });
    expect((await t.yard.jobs.get(id))?.state).toBe('cancelled');

    const retry = await t.cli(['jobs', 'retry', id, '--json']);
    expect(retry.code).toBe(0);
    expect(jsonOf(retry)).toMatchObject({ id, state: 'pending' });
    expect((await t.yard.jobs.get(id))?.state).toBe('pending');

    const notRetryable = await t.cli(['jobs', 'retry', id]);
    expect(notRetryable.code).toBe(1);
    expect(notRetryable.stderr).toMatch(/is pending; only failed or cancelled jobs can be retried/);

    const remove = await t.cli(['jobs', 'remove', id, '--json']);
    expect(remove.code).toBe(0);
    expect(jsonOf(remove)).toEqual({ id, removed: true });
    expect(await t.yard.jobs.get(id)).toBeNull();

    for (const verb of ['get', 'cancel', 'retry', 'remove', 'wait']) {
      const missing = await t.cli(['jobs', verb, id]);
      expect(missing.code, `jobs ${verb}`).toBe(3);
      expect(missing.stderr.trim()).toBe(`switchyard: error: job ${id} not found`);
    }
  });

  it('jobs wait: exit 0 when the job completes, 1 when it fails', async () => {
    const t = await setup();
    const worker = t.yard.createWorker({ queues: ['default'], concurrency: 2 });
    await worker.start();
    const ok = await t.yard.enqueue(echo, { n: 5 }, { delay: '300ms' });
    const failing = await t.yard.enqueue(boom, {}, { delay: '300ms' });
    const completed = await t.cli(['jobs', 'wait', ok.id, '--json']);
    expect(completed.code, completed.stderr).toBe(0);
    expect(jsonOf(completed)).toMatchObject({ id: ok.id, state: 'completed', result: { echoed: 5 } });
    const failed = await t.cli(['jobs', 'wait', failing.id, '--json']);
    expect(failed.code).toBe(1);
    expect(jsonOf(failed)).toMatchObject({ id: failing.id, state: 'failed', error: { message: 'boom' } });
    await worker.stop();

    const stuck = await t.yard.enqueue(echo, { n: 6 }, { delay: '1h' });
    const timedOut = await t.cli(['jobs', 'wait', stuck.id, '--timeout', '300ms']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/did not finish within 300 ms/);
  });

  it('jobs bulk retries every matching job page by page, with progress; refuses without --yes', async () => {
    const t = await setup();
    const failedIds: string[] = [];
    const worker = t.yard.createWorker({ queues: ['default'], concurrency: 10 });
    await worker.start();
    for (const { id } of await t.yard.enqueueMany(
      boom,
      Array.from({ length: 12 }, () => ({})),
    ))
      failedIds.push(id);
    await Promise.all(failedIds.map((id) => t.yard.jobs.waitFor(id, { timeout: '20s' })));
    await worker.stop();
    const untouched = await t.yard.enqueue(echo, { n: 1 }, { delay: '1h' });

    const refused = await t.cli(['jobs', 'bulk', 'retry', '--state', 'failed']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/without --yes/);
    expect((await t.yard.jobs.counts()).failed).toBe(12);

    const noFilter = await t.cli(['jobs', 'bulk', 'cancel', '--yes']);
    expect(noFilter.code).toBe(2);
    expect(noFilter.stderr).toMatch(/pass --all/);

    const run = await t.cli([
      'jobs',
      'bulk',
      'retry',
      '--state',
      'failed',
      '--queue',
      'default',
      '--batch-size',
      '5',
      '--yes',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf(run)).toEqual({ action: 'retry', matched: 12, changed: 12, requested: 0, skipped: 0 });
    // One progress line per page of 5 on a non-TTY stderr.
    const progress = run.stderr.trim().split('\n');
    expect(progress).toHaveLength(3);
    expect(progress[2]).toBe('retry: 12 matched, 12 changed, 0 cancel requested, 0 skipped');
    for (const id of failedIds) expect((await t.yard.jobs.get(id))?.state).toBe('pending');
    expect((await t.yard.jobs.get(untouched.id))?.state).toBe('scheduled');

    const removed = await t.cli(['jobs', 'bulk', 'remove', '--task', 'boom', '--yes', '--quiet']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('removed 12 of 12 matching jobs');
    expect(removed.stderr).toBe('');
    expect((await t.yard.jobs.counts()).pending).toBe(0);
  });

  it('jobs clean removes finished jobs older than --older-than', async () => {
    const t = await setup();
    const worker = t.yard.createWorker({ queues: ['default'], concurrency: 5 });
    await worker.start();
    const jobs = await t.yard.enqueueMany(echo, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await Promise.all(jobs.map((job) => t.yard.jobs.waitFor(job.id, { timeout: '20s' })));
    await worker.stop();

    const young = await t.cli(['jobs', 'clean', '--state', 'completed', '--older-than', '1h', '--json']);
    expect(jsonOf(young)).toMatchObject({ action: 'remove', matched: 0, changed: 0 });
    expect((await t.yard.jobs.counts()).completed).toBe(3);

    await new Promise((resolve) => setTimeout(resolve, 50));
    const old = await t.cli(['jobs', 'clean', '--state', 'completed', '--older-than', '10ms', '--json']);
    expect(old.code, old.stderr).toBe(0);
    expect(jsonOf(old)).toMatchObject({ action: 'remove', matched: 3, changed: 3 });
    expect((await t.yard.jobs.counts()).completed).toBe(0);

    const waiting = await t.cli(['jobs', 'clean', '--state', 'pending', '--older-than', '1d']);
    expect(waiting.code).toBe(2);
    expect(waiting.stderr).toMatch(/--state must be one of completed, failed, cancelled/);
  });

  it('stats, workers and history report the cluster, including a worker in another process', async () => {
    const t = await setup();
    const worker = t.yard.createWorker({ queues: ['default'], concurrency: 3 });
    await worker.start();
    const done = await t.yard.enqueueMany(echo, [{ n: 1 }, { n: 2 }]);
    await Promise.all(done.map((job) => t.yard.jobs.waitFor(job.id, { timeout: '20s' })));
    await t.yard.enqueueMany(sleep, [{ ms: 1 }, { ms: 1 }]); // nobody consumes "slow"

    const workers = jsonOf(await t.cli(['workers', '--json']));
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatchObject({
      queues: ['default'],
      concurrency: 3,
      pid: process.pid,
      adapter: t.yard.adapter.name,
    });

    const stats = jsonOf(await t.cli(['stats', '--json']));
    const expected = await t.yard.stats.summary();
    const slow = stats.queues.find((queue: { queue: string }) => queue.queue === 'slow');
    expect(slow.counts).toEqual(expected.queues.find((queue) => queue.queue === 'slow')!.counts);
    expect(slow.counts.pending).toBe(2);
    expect(slow.workers).toBe(0);
    expect(slow.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
    expect(stats.queues.find((queue: { queue: string }) => queue.queue === 'default')).toMatchObject({
      workers: 1,
      counts: { completed: 2 },
    });
    expect(Object.keys(stats.totals.counts)).toEqual([...JOB_STATES]);

    const table = await t.cli(['stats']);
    expect(table.stdout).toMatch(/slow/);
    expect(table.stdout).toMatch(/total/);

    // History is flushed every 100 ms by the test yard's worker.
    await worker.stop();
    const history = jsonOf(await t.cli(['history', '--bucket', '1m', '--since', '10m', '--json']));
    expect(history.bucket).toBe('1m');
    const sums = history.points.reduce(
      (sum: { completed: number }, point: { completed: number }) => ({
        completed: sum.completed + point.completed,
      }),
      { completed: 0 },
    );
    expect(sums.completed).toBe(2);
    const chart = await t.cli(['history', '--since', '10m']);
    expect(chart.code).toBe(0);
    expect(chart.stdout).toMatch(/completed │.*[▁▂▃▄▅▆▇█].*│ peak 2/);
    expect(chart.stdout).toMatch(/failed\s+│/);
  });

  it('queues list, pause and resume', async () => {
    const t = await setup();
    await t.yard.enqueue(echo, { n: 1 });
    await t.yard.enqueue(sleep, { ms: 1 }, { delay: '1h' });
    const paused = await t.cli(['queues', 'pause', 'default', '--json']);
    expect(paused.code).toBe(0);
    expect(jsonOf(paused)).toEqual({ name: 'default', paused: true });
    expect(await t.yard.queues.isPaused('default')).toBe(true);

    const list = jsonOf(await t.cli(['queues', 'list', '--json']));
    expect(list.find((queue: { name: string }) => queue.name === 'default')).toMatchObject({
      paused: true,
      counts: { pending: 1 },
    });
    expect(list.find((queue: { name: string }) => queue.name === 'slow')).toMatchObject({
      paused: false,
      counts: { scheduled: 1 },
    });

    expect((await t.cli(['queues', 'resume', 'default'])).stdout).toContain('resumed default');
    expect(await t.yard.queues.isPaused('default')).toBe(false);
  });

  it('schedules list, pause, resume, trigger and remove; unknown keys exit 3', async () => {
    const t = await setup();
    await t.yard.schedules.upsert({ key: 'nightly', task: 'echo', cron: '0 3 * * *', payload: { n: 9 } });

    const list = jsonOf(await t.cli(['schedules', 'list', '--json']));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ key: 'nightly', task: 'echo', cron: '0 3 * * *', paused: false });

    expect(jsonOf(await t.cli(['schedules', 'pause', 'nightly', '--json']))).toEqual({
      key: 'nightly',
      paused: true,
    });
    expect((await t.yard.schedules.get('nightly'))?.paused).toBe(true);
    expect((await t.cli(['schedules', 'resume', 'nightly'])).code).toBe(0);
    expect((await t.yard.schedules.get('nightly'))?.paused).toBe(false);

    const trigger = await t.cli(['schedules', 'trigger', 'nightly', '--json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    const { id } = jsonOf(trigger);
    expect(await t.yard.jobs.get(id)).toMatchObject({ task: 'echo', payload: { n: 9 } });

    expect(jsonOf(await t.cli(['schedules', 'remove', 'nightly', '--json']))).toEqual({
      key: 'nightly',
      removed: true,
    });
    expect(await t.yard.schedules.get('nightly')).toBeNull();
    for (const verb of ['pause', 'resume', 'trigger', 'remove']) {
      const missing = await t.cli(['schedules', verb, 'nightly']);
      expect(missing.code, verb).toBe(3);
      expect(missing.stderr.trim()).toBe('switchyard: error: schedule nightly not found');
    }
  });

  it('doctor: fails for a busy queue without workers and says what to do; passes once a worker runs', async () => {
    const t = await setup();
    await t.yard.enqueue(sleep, { ms: 1 });
    const sick = await t.cli(['doctor', '--json']);
    expect(sick.code).toBe(1);
    const report = jsonOf(sick);
    expect(report.ok).toBe(false);
    expect(report.checks).toContainEqual({
      check: 'queue slow',
      status: 'fail',
      detail: '1 jobs waiting and no live worker consumes it',
      fix: 'start one: switchyard worker --queues slow',
    });
    expect(report.checks.find((check: { check: string }) => check.check === 'config').status).toBe('ok');
    expect(report.checks.find((check: { check: string }) => check.check === 'backend').status).toBe('ok');

    await t.yard.queues.pause('slow');
    const worker = t.yard.createWorker({ queues: ['slow'], concurrency: 1 });
    await worker.start();
    const healthy = await t.cli(['doctor']);
    await worker.stop();
    expect(healthy.code, healthy.stdout).toBe(0);
    expect(healthy.stdout).toMatch(/✔ config/);
    expect(healthy.stdout).toMatch(/! queue slow: paused with 1 jobs waiting/);
  });
});
