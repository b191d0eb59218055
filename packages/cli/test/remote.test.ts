/**
 * The same commands through the REST API (`--url`, `--token`): an API served by the test
 * over its own yard on each real backend, tokens of each role, and the binary as client.
 * Output matches the direct connection's; roles are enforced (exit 4) and refused calls
 * write nothing; an API that is down exits 5.
 */
import { bearerTokens, hashToken, type ServedApi, serveApi } from '@switchyard/http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type BackendContext, useBackend } from './backend-context.js';
import { boom, echo } from './fixtures/yard.js';
import { type CliRun, jsonOf, runCli } from './run-cli.js';
import { closedPort } from './services.js';

const TOKENS = { viewer: 'viewer-token-1', operator: 'operator-token-1', admin: 'admin-token-1' } as const;
type Role = keyof typeof TOKENS;

/** Serves the API over the test's yard; returns a runner for the binary as each role. */
async function serve(t: BackendContext) {
  const served: ServedApi = await serveApi(t.yard, {
    port: 0,
    basePath: '/jobs-api',
    rateLimit: false,
    auth: bearerTokens(
      (Object.keys(TOKENS) as Role[]).map((role) => ({
        name: role,
        role,
        tokenHash: hashToken(TOKENS[role]),
      })),
    ),
  });
  onTestFinished(() => served.close());
  // Run from an empty directory: nothing but the URL connects it.
  const as = (role: Role | null, args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    runCli([...args, '--url', served.url, ...(role ? ['--token', TOKENS[role]] : [])], {
      cwd: '/',
      env,
    });
  return { served, as };
}

describe.each(['bullmq', 'pgboss', 'sqs'] as const)('switchyard --url on %s', (backend) => {
  const setup = useBackend(backend);

  it('every command through the API prints what the direct connection prints', async () => {
    const t = await setup();
    const { as } = await serve(t);
    await t.yard.schedules.upsert({ key: 'nightly', task: 'echo', cron: '0 3 * * *', payload: { n: 9 } });

    const enqueued = await as('admin', [
      'jobs',
      'enqueue',
      'echo',
      '--payload',
      '{"n":3}',
      '--delay',
      '1h',
      '--json',
    ]);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    const { id } = jsonOf(enqueued);
    expect(await t.yard.jobs.get(id)).toMatchObject({ task: 'echo', state: 'scheduled', payload: { n: 3 } });

    for (const args of [
      ['tasks'],
      ['jobs', 'get', id],
      ['jobs', 'list', '--state', 'scheduled'],
      ['queues', 'list'],
      ['schedules', 'list'],
    ]) {
      const remote = await as('admin', [...args, '--json']);
      const direct = await t.cli([...args, '--json']);
      expect(remote.code, remote.stderr).toBe(0);
      expect(jsonOf(remote), args.join(' ')).toEqual(jsonOf(direct));
    }

    expect(jsonOf(await as('admin', ['jobs', 'cancel', id, '--json']))).toEqual({ id, outcome: 'cancelled' });
    expect(jsonOf(await as('admin', ['jobs', 'retry', id, '--json']))).toMatchObject({
      id,
      state: 'pending',
    });
    const notRetryable = await as('admin', ['jobs', 'retry', id]);
    expect(notRetryable.code).toBe(1);
    expect(notRetryable.stderr).toMatch(/is pending; only failed or cancelled jobs can be retried/);
    expect(jsonOf(await as('admin', ['jobs', 'remove', id, '--json']))).toEqual({ id, removed: true });
    expect(await t.yard.jobs.get(id)).toBeNull();
    for (const verb of ['get', 'cancel', 'retry', 'remove', 'wait']) {
      expect((await as('admin', ['jobs', verb, id])).code, verb).toBe(3);
    }

    // No scheduler: the 'nightly' schedule above (03:00) would fire when a run crosses 03:00 UTC
    // and its job would count as a second completed one.
    const worker = t.yard.createWorker({ queues: ['default'], concurrency: 4, scheduler: false });
    await worker.start();
    const ok = await t.yard.enqueue(echo, { n: 5 }, { delay: '200ms' });
    const waited = await as('admin', ['jobs', 'wait', ok.id, '--json']);
    expect(waited.code, waited.stderr).toBe(0);
    expect(jsonOf(waited)).toMatchObject({ state: 'completed', result: { echoed: 5 } });
    const failed = await t.yard.enqueueMany(boom, [{}, {}, {}]);
    await Promise.all(failed.map((job) => t.yard.jobs.waitFor(job.id, { timeout: '20s' })));

    const workers = jsonOf(await as('admin', ['workers', '--json']));
    expect(workers.map((entry: { pid: number }) => entry.pid)).toEqual([process.pid]);
    await worker.stop();

    const stats = jsonOf(await as('admin', ['stats', '--json']));
    expect(stats.queues.find((queue: { queue: string }) => queue.queue === 'default').counts).toMatchObject({
      completed: 1,
      failed: 3,
    });
    const history = jsonOf(await as('admin', ['history', '--since', '10m', '--json']));
    expect(history.points.reduce((sum: number, point: { failed: number }) => sum + point.failed, 0)).toBe(3);

    const bulk = await as('admin', ['jobs', 'bulk', 'retry', '--state', 'failed', '--yes', '--json']);
    expect(jsonOf(bulk)).toEqual({ action: 'retry', matched: 3, changed: 3, requested: 0, skipped: 0 });
    expect(bulk.stderr.trim()).toBe('retry: 3 matched, 3 changed, 0 cancel requested, 0 skipped');
    for (const job of failed) expect((await t.yard.jobs.get(job.id))?.state).toBe('pending');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const clean = await as('admin', [
      'jobs',
      'clean',
      '--state',
      'completed',
      '--older-than',
      '10ms',
      '--json',
    ]);
    expect(jsonOf(clean)).toMatchObject({ matched: 1, changed: 1 });

    expect(jsonOf(await as('admin', ['queues', 'pause', 'slow', '--json']))).toEqual({
      name: 'slow',
      paused: true,
    });
    expect(await t.yard.queues.isPaused('slow')).toBe(true);
    expect((await as('admin', ['queues', 'resume', 'slow'])).code).toBe(0);
    expect(await t.yard.queues.isPaused('slow')).toBe(false);

    expect(jsonOf(await as('admin', ['schedules', 'pause', 'nightly', '--json']))).toEqual({
      key: 'nightly',
      paused: true,
    });
    expect((await t.yard.schedules.get('nightly'))?.paused).toBe(true);
    expect((await as('admin', ['schedules', 'resume', 'nightly'])).code).toBe(0);
    const triggered = jsonOf(await as('admin', ['schedules', 'trigger', 'nightly', '--json']));
    expect(await t.yard.jobs.get(triggered.id)).toMatchObject({ task: 'echo', payload: { n: 9 } });
    expect((await as('admin', ['schedules', 'remove', 'nightly'])).code).toBe(0);
    expect(await t.yard.schedules.get('nightly')).toBeNull();
    expect((await as('admin', ['schedules', 'trigger', 'nightly'])).code).toBe(3);

    const doctor = jsonOf(await as('admin', ['doctor', '--json']));
    expect(doctor.checks[0]).toMatchObject({ check: 'api', status: 'ok' });
    expect(doctor.checks).toContainEqual(expect.objectContaining({ check: 'queue default', status: 'fail' }));
    // About thirty CLI processes in a row: generous on a loaded machine.
  }, 120_000);

  it('roles: viewers read, operators enqueue and retry, only admins remove, pause and bulk; refused calls write nothing', async () => {
    const t = await setup();
    const { as } = await serve(t);
    const held = await t.yard.enqueue(echo, { n: 1 }, { delay: '1h' });

    expect((await as('viewer', ['stats'])).code).toBe(0);
    expect(jsonOf(await as('viewer', ['jobs', 'list', '--json'])).jobs).toHaveLength(1);
    const refused: [Role | null, string[]][] = [
      ['viewer', ['jobs', 'enqueue', 'echo', '--payload', '{"n":2}']],
      ['viewer', ['jobs', 'cancel', held.id]],
      ['operator', ['jobs', 'remove', held.id]],
      ['operator', ['queues', 'pause', 'default']],
      ['operator', ['jobs', 'bulk', 'cancel', '--state', 'scheduled', '--yes']],
      [null, ['stats']],
    ];
    for (const [role, args] of refused) {
      const run = await as(role, args);
      expect(run.code, `${role} ${args.join(' ')}: ${run.stderr}`).toBe(4);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    const badToken = await runCli(['stats', '--url', (await serve(t)).served.url, '--token', 'wrong'], {
      cwd: '/',
    });
    expect(badToken.code).toBe(4);
    expect(await t.yard.jobs.get(held.id)).toMatchObject({ state: 'scheduled' });
    expect(await t.yard.queues.isPaused('default')).toBe(false);
    expect((await t.yard.jobs.counts()).scheduled).toBe(1);
    expect((await t.yard.jobs.counts()).pending).toBe(0);

    const operatorEnqueue = await as('operator', [
      'jobs',
      'enqueue',
      'echo',
      '--payload',
      '{"n":2}',
      '--json',
    ]);
    expect(operatorEnqueue.code, operatorEnqueue.stderr).toBe(0);
    expect(await t.yard.jobs.get(jsonOf(operatorEnqueue).id)).toMatchObject({ payload: { n: 2 } });
    expect(jsonOf(await as('operator', ['jobs', 'cancel', held.id, '--json']))).toEqual({
      id: held.id,
      outcome: 'cancelled',
    });
    expect((await as('operator', ['jobs', 'retry', held.id])).code).toBe(0);
    expect((await as('admin', ['jobs', 'remove', held.id])).code).toBe(0);
    expect(await t.yard.jobs.get(held.id)).toBeNull();

    // Environment variables work as the flags do; bad input is refused before the API is asked.
    const fromEnv = await runCli(['jobs', 'enqueue', 'nope', '--payload', '{}'], {
      cwd: '/',
      env: { SWITCHYARD_URL: (await serve(t)).served.url, SWITCHYARD_TOKEN: TOKENS.operator },
    });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr.trim()).toMatch(/^switchyard: error: .*nope/);
    const malformed = await as('operator', ['jobs', 'enqueue', 'echo', '--payload', '{"n":']);
    expect(malformed.code).toBe(2);
    expect((await t.yard.jobs.counts()).pending).toBe(1);
  });
});

describe('switchyard --url when the API is down', () => {
  it('exits 5 naming the URL', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/jobs-api`;
    const run = await runCli(['stats', '--url', url, '--token', 'x'], { cwd: '/' });
    expect(run.code).toBe(5);
    expect(run.stderr.trim()).toBe(
      `switchyard: error: API unreachable at ${url}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});
