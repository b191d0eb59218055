/**
 * `switchyard worker` as a real process on each backend: graceful stop on SIGTERM
 * (running jobs finish, or are handed back past --stop-timeout; none is lost), a second
 * signal exits at once, and after a SIGKILL its jobs are redelivered once the lease ends.
 */
import type { JobRecord, Switchyard } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend-context.js';
import { sleep } from './fixtures/yard.js';
import { runCli, startCli, testYardConfig, writeConfig } from './run-cli.js';
import { newPrefix } from './services.js';

const workerArgs = (extra: string[]) => [
  'worker',
  '--queues',
  'slow',
  '--log-format',
  'json',
  '--log-level',
  'debug',
  '--no-scheduler',
  ...extra,
];

/** Runs every remaining job to completion in this process, fast: proves none was lost. */
async function drain(yard: Switchyard, ids: string[]): Promise<JobRecord[]> {
  const worker = yard.createWorker({ queues: ['slow'], concurrency: 10, leaseDuration: '1s' });
  worker.handle(sleep, async () => ({ slept: 0 }));
  await worker.start();
  try {
    return await Promise.all(ids.map((id) => yard.jobs.waitFor(id, { timeout: '30s' })));
  } finally {
    await worker.stop();
  }
}

describe.each(['bullmq', 'pgboss', 'sqs'] as const)('switchyard worker on %s', (backend) => {
  const setup = useBackend(backend);

  it('SIGTERM: running jobs finish, waiting ones stay queued, exit 0; none is lost', async () => {
    const t = await setup();
    const worker = startCli(workerArgs(['--concurrency', '2', '--lease', '5s', '--stop-timeout', '20s']), {
      cwd: t.dir,
    });
    const started = await worker.waitForLine((line) => line.msg === 'worker started');
    expect(started).toMatchObject({ adapter: t.yard.adapter.name, queues: ['slow'], concurrency: 2 });
    const jobs = await t.yard.enqueueMany(
      sleep,
      Array.from({ length: 5 }, () => ({ ms: 1500 })),
    );
    const ids = jobs.map((job) => job.id);
    await worker.waitForLine(() => worker.lines.filter((line) => line.msg === 'job started').length >= 2);
    const running = worker.lines
      .filter((line) => line.msg === 'job started')
      .map((line) => line.jobId as string);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.lines.some((line) => line.msg?.startsWith('stopping on SIGTERM'))).toBe(true);
    expect(worker.lines.at(-1)?.msg).toBe('worker stopped');
    for (const id of running) expect((await t.yard.jobs.get(id))?.state, id).toBe('completed');
    for (const id of ids) expect(['completed', 'pending'], id).toContain((await t.yard.jobs.get(id))?.state);
    const finished = await drain(t.yard, ids);
    expect(finished.map((job) => job.state)).toEqual(ids.map(() => 'completed'));
  });

  it('SIGTERM past --stop-timeout: the running job is handed back, not lost', async () => {
    const t = await setup();
    const worker = startCli(workerArgs(['--concurrency', '1', '--lease', '5s', '--stop-timeout', '300ms']), {
      cwd: t.dir,
    });
    await worker.waitForLine((line) => line.msg === 'worker started');
    const { id } = await t.yard.enqueue(sleep, { ms: 60_000 });
    await worker.waitForLine((line) => line.msg === 'job started' && line.jobId === id);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect((await t.yard.jobs.get(id))?.state).toBe('pending');
    const [job] = await drain(t.yard, [id]);
    expect(job).toMatchObject({ state: 'completed', result: { slept: 0 } });
  });

  it('a second signal exits at once with 1', async () => {
    const t = await setup();
    const worker = startCli(workerArgs(['--concurrency', '1', '--lease', '5s', '--stop-timeout', '60s']), {
      cwd: t.dir,
    });
    await worker.waitForLine((line) => line.msg === 'worker started');
    const { id } = await t.yard.enqueue(sleep, { ms: 60_000 });
    await worker.waitForLine((line) => line.msg === 'job started' && line.jobId === id);
    worker.child.kill('SIGTERM');
    await worker.waitForLine((line) => line.msg?.startsWith('stopping on SIGTERM'));
    worker.child.kill('SIGINT');
    expect(await worker.exited).toBe(1);
    expect(worker.lines.some((line) => line.msg?.startsWith('second SIGINT: exiting now'))).toBe(true);
  });

  it('SIGKILL: the job is redelivered to another worker after the lease', async () => {
    const t = await setup();
    const worker = startCli(workerArgs(['--concurrency', '1', '--lease', '1s']), { cwd: t.dir });
    await worker.waitForLine((line) => line.msg === 'worker started');
    const { id } = await t.yard.enqueue(sleep, { ms: 60_000 });
    await worker.waitForLine((line) => line.msg === 'job started' && line.jobId === id);
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBe(null);
    expect((await t.yard.jobs.get(id))?.state).toBe('running');
    const [job] = await drain(t.yard, [id]);
    expect(job).toMatchObject({ state: 'completed', result: { slept: 0 } });
    expect(job!.attempt).toBeGreaterThanOrEqual(2);
  });
});

describe('switchyard worker options', () => {
  it('pretty logs on request; bad flag values exit 2 before connecting', async () => {
    const dir = await writeConfig(testYardConfig('memory', newPrefix()));
    const worker = startCli(['worker', '--log-format', 'pretty', '--no-color'], { cwd: dir });
    const started = await worker.waitForLine(
      (line) => typeof line.raw === 'string' && line.raw.includes('worker started'),
    );
    expect(started.raw).toMatch(/INFO.*worker started/);
    worker.child.kill('SIGINT');
    expect(await worker.exited, worker.stderr() + JSON.stringify(worker.lines)).toBe(0);
    for (const [args, pattern] of [
      [['--concurrency', '0'], /--concurrency must be an integer from 1 to 10000/],
      [['--lease', 'forever'], /--lease: invalid duration "forever"/],
      [['--log-format', 'xml'], /--log-format must be json or pretty/],
      [['--queues', ','], /--queues needs at least one name/],
    ] as const) {
      const run = await runCli(['worker', ...args], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(pattern);
    }
    const remote = await runCli(['worker', '--url', 'http://127.0.0.1:1'], { cwd: dir });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/use --config, not --url/);
  });
});
