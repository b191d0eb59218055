/**
 * `switchyard doctor`: does the config load, does the backend answer (its storage is
 * brought to the adapter's version on start), does it speak the operations contract,
 * do workers run a matching version, and has every queue with waiting jobs a worker.
 */
import { SWITCHYARD_VERSION } from '@switchyard/core';
import { Command } from 'commander';
import { action, examples, type Kit } from '../command-kit.js';
import { firstLine } from '../config-loader.js';
import type { Connection } from '../connection.js';
import { remoteTarget } from '../context.js';
import {
  checkQueuesHaveWorkers,
  checkTaskHandlers,
  checkWorkerVersions,
  type DoctorCheck,
  doctorExitCode,
} from '../doctor-checks.js';
import { classifyError, ExitCode } from '../exit-codes.js';

/** The `doctor` command. */
export function doctorCommand(kit: Kit): Command {
  const doctor = new Command('doctor')
    .description('check the config, the backend, worker versions and that every busy queue has workers')
    .action(
      action(kit, 'doctor', async (ctx) => {
        const checks: DoctorCheck[] = [];
        const remote = remoteTarget(ctx);
        let connection: Connection | undefined;
        try {
          connection = await ctx.connect();
          checks.push({
            check: remote ? 'api' : 'config',
            status: 'ok',
            detail: remote ? `${remote.url} answers` : `loaded; ${connection.description}`,
          });
          if (!remote) {
            checks.push({
              check: 'backend',
              status: 'ok',
              detail: 'answers; its storage (schema, key layout) is at the version this adapter expects',
            });
          }
        } catch (error) {
          checks.push(connectionProblem(error, remote !== undefined));
        }
        if (connection) checks.push(...(await inspect(connection)));
        ctx.out.result({ ok: doctorExitCode(checks) === 0, checks }, () => {
          const { colors } = ctx.out;
          const mark = { ok: colors.green('✔'), warn: colors.yellow('!'), fail: colors.red('✖') };
          for (const check of checks) {
            ctx.out.line(`${mark[check.status]} ${colors.bold(check.check)}: ${check.detail}`);
            if (check.fix) ctx.out.line(`    → ${check.fix}`);
          }
        });
        return doctorExitCode(checks);
      }),
    );
  return examples(doctor, 'switchyard doctor', 'switchyard doctor --json');
}

function connectionProblem(error: unknown, remote: boolean): DoctorCheck {
  const { exitCode } = classifyError(error);
  const detail = firstLine(error);
  if (exitCode === ExitCode.usage) {
    return {
      check: 'config',
      status: 'fail',
      detail,
      fix: 'fix the config file (docs/cli.md, "Connecting")',
    };
  }
  if (exitCode === ExitCode.refused) {
    return { check: 'api', status: 'fail', detail, fix: 'check --token / SWITCHYARD_TOKEN and its role' };
  }
  return {
    check: remote ? 'api' : 'backend',
    status: 'fail',
    detail,
    fix: remote
      ? 'check --url / SWITCHYARD_URL and that the API server runs'
      : 'start the backend server, or fix its address in the config (REDIS_URL, DATABASE_URL, SQS endpoint)',
  };
}

async function inspect(connection: Connection): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  checks.push(checkTaskHandlers(await connection.tasks()));
  try {
    const [stats, workers] = await Promise.all([connection.stats(), connection.workers()]);
    checks.push({
      check: 'operations',
      status: 'ok',
      detail: 'workers registry, stats and history available',
    });
    checks.push(checkWorkerVersions(workers, SWITCHYARD_VERSION));
    checks.push(...checkQueuesHaveWorkers(stats));
  } catch (error) {
    const capability = (error as { code?: unknown }).code === 'CAPABILITY_UNSUPPORTED';
    checks.push({
      check: 'operations',
      status: 'fail',
      detail: firstLine(error),
      fix: capability
        ? 'upgrade the adapter to one of specVersion 2 (stats, workers, history and bulk commands need it)'
        : 'the backend failed while reading stats; see the message',
    });
  }
  return checks;
}
