/**
 * On an adapter of specVersion 1 the job commands work and the operations commands
 * (stats, history, workers, bulk, clean) exit 1 with core's CapabilityError message.
 */
import { describe, expect, it } from 'vitest';
import { fixtureConfig, requireBuiltBinary, runCli, writeConfig } from './run-cli.js';

describe('an adapter without the operations contract', () => {
  it('reports which call needs specVersion 2, with exit 1', async () => {
    requireBuiltBinary();
    const dir = await writeConfig(fixtureConfig(['createSpecVersion1Yard'], 'createSpecVersion1Yard()'));
    const enqueue = await runCli(['jobs', 'enqueue', 'echo', '--payload', '{"n":1}', '--json'], { cwd: dir });
    expect(enqueue.code, enqueue.stderr).toBe(0);
    const cases: [string[], string][] = [
      [['stats'], 'stats.summary'],
      [['workers'], 'workers.list'],
      [['history'], 'stats.history'],
      [['jobs', 'bulk', 'retry', '--state', 'failed', '--yes'], 'jobs.bulk'],
      [['jobs', 'clean', '--state', 'completed', '--older-than', '1d'], 'jobs.clean'],
    ];
    for (const [args, call] of cases) {
      const run = await runCli(args, { cwd: dir });
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr.trim()).toBe(
        `switchyard: error: memory: ${call} needs the operations contract (adapter specVersion 2); this adapter implements specVersion 1 (capability "specVersion 2")`,
      );
      const json = await runCli([...args, '--json'], { cwd: dir });
      expect(JSON.parse(json.stderr)).toEqual({
        error: { code: 'CAPABILITY_UNSUPPORTED', message: expect.stringContaining(call), exitCode: 1 },
      });
    }
    const doctor = await runCli(['doctor', '--json'], { cwd: dir });
    expect(doctor.code).toBe(1);
    expect(JSON.parse(doctor.stdout).checks).toContainEqual(
      expect.objectContaining({
        check: 'operations',
        status: 'fail',
        fix: expect.stringContaining('specVersion 2'),
      }),
    );
  });
});
