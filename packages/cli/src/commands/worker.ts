/**
 * `switchyard worker`: runs the config's tasks. Stops gracefully on SIGTERM/SIGINT
 * (running jobs finish within --stop-timeout, then are handed back for another worker);
 * a second signal exits at once (its jobs come back after their lease, as after a crash).
 */
import type { Logger, Switchyard, Worker, WorkerOptions } from '@switchyard/core';
import { Command, Option } from 'commander';
import { action, examples, type Kit } from '../command-kit.js';
import { type CommandContext, remoteTarget } from '../context.js';
import { openDirectConnection } from '../direct-connection.js';
import { ExitCode, usageError } from '../exit-codes.js';
import { createCliLogger, type LogFormat, parseLogFormat, parseLogLevel } from '../logger.js';
import { parseDurationOption, parseIntegerOption, parseListOption } from '../parse-options.js';

interface WorkerFlags {
  queues?: string;
  concurrency: string;
  lease: string;
  stopTimeout: string;
  logFormat?: string;
  logLevel: string;
  scheduler: boolean;
}

/** The `worker` command. */
export function workerCommand(kit: Kit): Command {
  const worker = new Command('worker')
    .description("run a worker process with the config's tasks")
    .option('-Q, --queues <names>', "queues to take jobs from, comma-separated (default: every task's queue)")
    .option('-C, --concurrency <n>', 'jobs run at once', '10')
    .option(
      '--lease <duration>',
      "lease per job, renewed while it runs; a crashed worker's jobs return after it",
      '30s',
    )
    .option(
      '--stop-timeout <duration>',
      'on SIGTERM/SIGINT, how long running jobs may finish before they are handed back',
      '30s',
    )
    .addOption(
      new Option('--log-format <format>', 'json or pretty (default: pretty on a terminal, json otherwise)'),
    )
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .option('--no-scheduler', 'do not fire schedules from this worker')
    .action(
      action(kit, 'worker', async (ctx, flags: WorkerFlags) => {
        if (remoteTarget(ctx)) throw usageError("worker runs the config's tasks: use --config, not --url");
        const options: WorkerOptions = {
          concurrency: parseIntegerOption(flags.concurrency, '--concurrency', 1, 10_000),
          leaseDuration: parseDurationOption(flags.lease, '--lease'),
          scheduler: flags.scheduler,
          ...(flags.queues !== undefined ? { queues: parseListOption(flags.queues, '--queues') } : {}),
        };
        const stopTimeoutMs = parseDurationOption(flags.stopTimeout, '--stop-timeout');
        const format: LogFormat =
          flags.logFormat !== undefined
            ? parseLogFormat(flags.logFormat)
            : ctx.io.stdout.isTTY
              ? 'pretty'
              : 'json';
        const logger = createCliLogger({
          format,
          level: parseLogLevel(flags.logLevel),
          fd: 1,
          color: ctx.out.colors.isColorSupported,
        });
        return runWorker(ctx, logger, options, stopTimeoutMs);
      }),
    );
  return examples(
    worker,
    'switchyard worker --queues email,reports --concurrency 20 --stop-timeout 1m',
    'switchyard worker --config ./dist/switchyard.config.js --log-format json',
  );
}

async function runWorker(
  ctx: CommandContext,
  logger: Logger,
  options: WorkerOptions,
  stopTimeoutMs: number,
): Promise<number> {
  const connectTimeoutMs = parseDurationOption(ctx.globals.connectTimeout, '--connect-timeout');
  const { yard } = await openDirectConnection({
    cwd: ctx.io.cwd,
    ...(ctx.globals.config !== undefined ? { configPath: ctx.globals.config } : {}),
    logger,
    command: 'worker',
    connectTimeoutMs,
  });
  const worker = yard.createWorker(options);
  logJobs(worker, logger);
  // Listen before anyone can know the worker runs: without a listener, a signal kills at once.
  const signalled = firstSignal(logger);
  try {
    await worker.start();
  } catch (error) {
    await yard.close().catch(() => {});
    throw error;
  }
  logger.info(
    { adapter: yard.adapter.name, queues: options.queues ?? queuesOf(yard), concurrency: worker.concurrency },
    'worker started',
  );
  // Signal listeners do not keep Node alive; on a backend that holds no socket (memory) it would exit.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const signal = await signalled;
  logger.info(
    { signal, running: worker.activeCount, stopTimeoutMs },
    `stopping on ${signal}: waiting for running jobs (a second signal exits at once)`,
  );
  await worker.stop({ timeout: stopTimeoutMs });
  await yard.close();
  clearInterval(keepAlive);
  logger.info({}, 'worker stopped');
  return ExitCode.ok;
}

/** Resolves with the first SIGTERM/SIGINT; the second one exits the process at once. */
function firstSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (!received) {
        received = true;
        resolve(signal);
        return;
      }
      logger.warn({ signal }, `second ${signal}: exiting now; running jobs return after their lease`);
      process.exit(ExitCode.failure);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/** One log line per job outcome, like Celery's worker log. */
function logJobs(worker: Worker, logger: Logger): void {
  const fields = (job: { id: string; task: string; queue: string; attempt: number }) => ({
    jobId: job.id,
    task: job.task,
    queue: job.queue,
    attempt: job.attempt,
  });
  worker.on('job:started', ({ job }) => logger.debug(fields(job), 'job started'));
  worker.on('job:completed', ({ job, durationMs }) =>
    logger.info({ ...fields(job), durationMs }, 'job completed'),
  );
  worker.on('job:retrying', ({ job, error, runAt }) =>
    logger.warn({ ...fields(job), err: error.message, runAt: runAt.toISOString() }, 'job failed; will retry'),
  );
  worker.on('job:failed', ({ job, error }) =>
    logger.error({ ...fields(job), err: error.message }, 'job failed'),
  );
  worker.on('job:cancelled', ({ job }) => logger.info(fields(job), 'job cancelled'));
  worker.on('job:stalled', ({ job }) => logger.warn(fields(job), 'job stalled: its lease was lost'));
  worker.on('worker:error', ({ error }) => logger.error({ err: error.message }, 'worker error'));
}

function queuesOf(yard: Switchyard): string[] {
  return [...new Set([...yard.tasks.values()].map((task) => task.queue))].sort();
}
