/**
 * Bad input and failure classes through the built binary: each ends with one line on
 * stderr naming the problem and its exit code (2 usage, 3 not found, 5 unreachable),
 * and nothing is enqueued.
 */
import { describe, expect, it } from 'vitest';
import { useBackend } from './backend-context.js';
import { type CliRun, runCli, testYardConfig, writeConfig } from './run-cli.js';
import { closedPort, newPrefix } from './services.js';

/** Asserts one line on stderr, naming the problem. */
function expectOneLineError(run: CliRun, code: number, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(code);
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^switchyard: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stdout).toBe('');
}

describe.each(['bullmq', 'pgboss', 'sqs'] as const)('bad input on %s', (backend) => {
  const setup = useBackend(backend);

  it('malformed payload, unknown task, invalid values: exit 2, one line, nothing enqueued', async () => {
    const t = await setup();
    const cases: [string[], RegExp][] = [
      [['jobs', 'enqueue', 'echo', '--payload', '{"n":'], /--payload is not valid JSON/],
      [['jobs', 'enqueue', 'nope', '--payload', '{}'], /unknown task "nope"/],
      [['jobs', 'enqueue', 'echo', '--payload', '{"n":"seven"}'], /payload of task "echo" is invalid: n:/],
      [
        ['jobs', 'enqueue', 'echo', '--payload', '{"n":1}', '--delay', 'soon'],
        /--delay: invalid duration "soon"/,
      ],
      [
        ['jobs', 'enqueue', 'echo', '--payload', '{"n":1}', '--priority', '12'],
        /--priority must be an integer from 0 to 9/,
      ],
      [
        ['jobs', 'enqueue', 'echo', '--payload-file', '/nonexistent/payload.json'],
        /--payload-file \/nonexistent\/payload.json: ENOENT/,
      ],
      [['jobs', 'list', '--state', 'done'], /--state: unknown state "done"/],
      [
        ['jobs', 'clean', '--state', 'completed', '--older-than', '7 weeks'],
        /--older-than: invalid duration "7 weeks"/,
      ],
      [['history', '--since', 'yesterday'], /--since: invalid duration "yesterday"/],
    ];
    for (const [args, pattern] of cases) expectOneLineError(await t.cli(args), 2, pattern);
    const counts = await t.yard.jobs.counts();
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(0);
  });

  it('payload from a file and from stdin', async () => {
    const t = await setup();
    const fromStdin = await t.cli(['jobs', 'enqueue', 'echo', '--payload-file', '-', '--json'], {
      stdin: '{"n":42}',
    });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    const { id } = JSON.parse(fromStdin.stdout);
    expect((await t.yard.jobs.get(id))?.payload).toEqual({ n: 42 });
    const broken = await t.cli(['jobs', 'enqueue', 'echo', '--payload-file', '-'], { stdin: 'not json' });
    expectOneLineError(broken, 2, /--payload-file -.*is not valid JSON/);
    expect((await t.yard.jobs.counts()).pending).toBe(1);
  });

  it('backend unreachable at start: exit 5 naming the adapter, for commands and the worker', async () => {
    const port = await closedPort();
    const address = {
      bullmq: `redis://127.0.0.1:${port}`,
      pgboss: `postgres://postgres@127.0.0.1:${port}/postgres`,
      sqs: `http://127.0.0.1:${port}`,
    }[backend];
    const dir = await writeConfig(testYardConfig(backend, newPrefix(), address));
    for (const args of [
      ['stats'],
      ['jobs', 'enqueue', 'echo', '--payload', '{"n":1}'],
      ['worker', '--log-format', 'json'],
    ]) {
      const run = await runCli([...args, '--connect-timeout', '3s'], { cwd: dir });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(5);
      const lines = run.stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('switchyard: error:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/backend unreachable: (bullmq|pgboss|sqs)/);
    }
  });
});

describe('config problems (exit 2, one line)', () => {
  it('a config that throws, exports no yard, has a syntax error, or is missing', async () => {
    const throwing = await writeConfig("throw new Error('REDIS_URL is not set');\nexport default {};\n");
    expectOneLineError(
      await runCli(['stats'], { cwd: throwing }),
      2,
      /config switchyard.config.ts failed to load: REDIS_URL is not set/,
    );

    const noYard = await writeConfig('export const settings = { port: 1 };\n');
    expectOneLineError(
      await runCli(['jobs', 'list'], { cwd: noYard }),
      2,
      /exports no yard.*found exports: settings/,
    );

    const wrongDefault = await writeConfig('export default { adapter: 1 };\n');
    expectOneLineError(
      await runCli(['tasks'], { cwd: wrongDefault }),
      2,
      /exports no yard.*an object with keys adapter/,
    );

    const throwingFunction = await writeConfig(
      "export default () => { throw new Error('no tasks today'); };\n",
    );
    expectOneLineError(
      await runCli(['tasks'], { cwd: throwingFunction }),
      2,
      /its exported function threw: no tasks today/,
    );

    const syntax = await writeConfig('export default createSwitchyard({\n', 'switchyard.config.mjs');
    expectOneLineError(
      await runCli(['tasks'], { cwd: syntax }),
      2,
      /config switchyard.config.mjs failed to load/,
    );

    const empty = await writeConfig('', 'unrelated.txt');
    expectOneLineError(
      await runCli(['tasks'], { cwd: empty }),
      2,
      /no switchyard.config.ts, .*pass --config <file>/,
    );
    expectOneLineError(
      await runCli(['tasks', '--config', 'nope.ts'], { cwd: empty }),
      2,
      /config file not found: nope.ts/,
    );
  });

  it('usage errors from argument parsing exit 2', async () => {
    const dir = await writeConfig('', 'unrelated.txt');
    for (const args of [
      ['jobs', 'frobnicate'],
      ['jobs', 'list', '--bogus'],
      ['jobs', 'bulk', 'explode'],
      ['jobs', 'get'],
    ]) {
      const run = await runCli(args, { cwd: dir });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/error: /);
    }
    const both = await runCli(['stats', '--config', 'a.ts', '--url', 'http://127.0.0.1:1'], { cwd: dir });
    expectOneLineError(both, 2, /either --config or --url/);
    // SWITCHYARD_URL in the environment does not override an explicit --config.
    const explicit = await runCli(['tasks', '--config', 'nope.ts'], {
      cwd: dir,
      env: { SWITCHYARD_URL: 'http://127.0.0.1:1' },
    });
    expectOneLineError(explicit, 2, /config file not found: nope.ts/);
  });
});
