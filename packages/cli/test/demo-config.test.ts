/** The README's third quick-start line: the CLI on the demo's config, from the repository root. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonOf, requireBuiltBinary, runCli } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DEMO_CONFIG = 'apps/demo/switchyard.config.ts';

describe('the demo config', () => {
  it('loads the shop’s tasks on memory; doctor passes', async () => {
    requireBuiltBinary();
    const env = { QUEUE_BACKEND: undefined };
    const tasks = await runCli(['--config', DEMO_CONFIG, 'tasks', '--json'], { cwd: ROOT, env });
    expect(tasks.code, tasks.stderr).toBe(0);
    expect(jsonOf(tasks).map((task: { name: string }) => task.name)).toEqual([
      'charge-payment',
      'deliver-premium',
      'expire-unpaid-orders',
      'import-order',
      'sales-report',
      'send-email',
      'send-newsletter',
    ]);
    const doctor = await runCli(['--config', DEMO_CONFIG, 'doctor'], { cwd: ROOT, env });
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toContain('✔ config: loaded; memory via');
    expect(doctor.stdout).toContain('✔ tasks: 7 tasks, all with handlers');
  });
});
