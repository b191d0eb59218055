/** `switchyard jobs list|get|enqueue|wait|cancel|retry|remove`. */
import { readFile } from 'node:fs/promises';
import type { JobJson } from '@switchyard/http/client';
import { Command } from 'commander';
import { type ActionContext, action, examples, type Kit } from '../command-kit.js';
import { CliError, ExitCode, notFoundError, usageError } from '../exit-codes.js';
import { colorState, formatDurationMs, formatRelative, shortJson } from '../format.js';
import { addFilterOptions, type FilterFlags, parseFilter } from '../job-filter-options.js';
import {
  collect,
  parseDurationOption,
  parseIntegerOption,
  parseJsonOption,
  parseKeyValues,
} from '../parse-options.js';
import { bulkCommand, cleanCommand } from './jobs-bulk.js';

/** The `jobs` command group. */
export function jobsCommand(kit: Kit): Command {
  const jobs = new Command('jobs').description('list, inspect, enqueue and operate jobs');
  examples(jobs, 'switchyard jobs list --state failed --queue email');

  const list = addFilterOptions(new Command('list').description('list jobs, newest first'))
    .option('-n, --limit <n>', 'jobs per page (1..1000)', '50')
    .option('--cursor <cursor>', 'the cursor printed under the previous page')
    .action(
      action(kit, 'jobs list', async (ctx, flags: FilterFlags & { limit: string; cursor?: string }) => {
        const filter = parseFilter(flags, ctx.now());
        const limit = parseIntegerOption(flags.limit, '--limit', 1, 1000);
        const connection = await ctx.connect();
        const page = await connection.listJobs(filter, {
          limit,
          ...(flags.cursor !== undefined ? { cursor: flags.cursor } : {}),
        });
        ctx.out.result(page, () => {
          printJobTable(ctx, page.jobs);
          if (page.nextCursor !== undefined) ctx.out.line(`next page: --cursor ${page.nextCursor}`);
        });
        return 0;
      }),
    );
  jobs.addCommand(examples(list, 'switchyard jobs list --state failed,cancelled --queue email --limit 20'));

  const get = new Command('get')
    .description('show one job: state, attempts, payload, result, error')
    .argument('<id>', 'job id')
    .action(
      action(kit, 'jobs get', async (ctx, id: string) => {
        const job = await requireJob(ctx, id);
        ctx.out.result(job, () => printJob(ctx, job));
        return 0;
      }),
    );
  jobs.addCommand(examples(get, 'switchyard jobs get 0190a5b2-7c1e-7d3a-9f00-1b2c3d4e5f60 --json'));

  const enqueue = new Command('enqueue')
    .description('enqueue a job of a task by name (validated against the task schema)')
    .argument('<task>', 'task name (see `switchyard tasks`)')
    .option('-p, --payload <json>', 'payload as JSON (default {})')
    .option('-f, --payload-file <file>', 'read the payload JSON from a file (- for stdin)')
    .option('-d, --delay <duration>', 'run after this long (30s, 5m, 2h)')
    .option('--priority <n>', 'priority 0..9, lower runs first')
    .option('-u, --unique-key <key>', 'at most one unfinished job of this task with this key')
    .option('-Q, --queue <queue>', "override the task's queue")
    .option('-m, --metadata <key=value>', 'string metadata stored on the job (repeatable)', collect)
    .action(
      action(kit, 'jobs enqueue', async (ctx, task: string, flags: EnqueueFlags) => {
        const payload = await readPayload(flags, ctx);
        const options = {
          ...(flags.delay !== undefined ? { delayMs: parseDurationOption(flags.delay, '--delay') } : {}),
          ...(flags.priority !== undefined
            ? { priority: parseIntegerOption(flags.priority, '--priority', 0, 9) }
            : {}),
          ...(flags.uniqueKey !== undefined ? { uniqueKey: flags.uniqueKey } : {}),
          ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
          ...(flags.metadata?.length ? { metadata: parseKeyValues(flags.metadata, '--metadata') } : {}),
        };
        const connection = await ctx.connect();
        const { id } = await connection.enqueue(task, payload, options);
        ctx.out.result({ id, task }, () => ctx.out.line(id));
        return 0;
      }),
    );
  jobs.addCommand(
    examples(
      enqueue,
      `switchyard jobs enqueue send-email --payload '{"to":"a@example.com"}' --delay 5m --unique-key welcome-42`,
    ),
  );

  const wait = new Command('wait')
    .description('wait until a job is completed, failed or cancelled; exit 0 only when completed')
    .argument('<id>', 'job id')
    .option('--timeout <duration>', 'give up after this long (exit 1)', '10m')
    .action(
      action(kit, 'jobs wait', async (ctx, id: string, flags: { timeout: string }) => {
        const timeoutMs = parseDurationOption(flags.timeout, '--timeout');
        await requireJob(ctx, id);
        const job = await (await ctx.connect()).waitJob(id, timeoutMs);
        ctx.out.result(job, () => printJob(ctx, job));
        return job.state === 'completed' ? ExitCode.ok : ExitCode.failure;
      }),
    );
  jobs.addCommand(examples(wait, 'switchyard jobs wait 0190a5b2-7c1e-7d3a-9f00-1b2c3d4e5f60 --timeout 2m'));

  const cancel = new Command('cancel')
    .description('cancel a waiting job, or ask the worker running it to stop')
    .argument('<id>', 'job id')
    .action(
      action(kit, 'jobs cancel', async (ctx, id: string) => {
        const outcome = await (await ctx.connect()).cancelJob(id);
        if (outcome === 'not_found') throw notFoundError(`job ${id} not found`);
        ctx.out.result({ id, outcome }, () =>
          ctx.out.line(
            outcome === 'cancelled'
              ? `cancelled ${id}`
              : outcome === 'requested'
                ? `cancel requested: ${id} is running; its worker stops it on its next heartbeat`
                : `${id} had already finished; nothing changed`,
          ),
        );
        return outcome === 'finished' ? ExitCode.failure : ExitCode.ok;
      }),
    );
  jobs.addCommand(examples(cancel, 'switchyard jobs cancel 0190a5b2-7c1e-7d3a-9f00-1b2c3d4e5f60'));

  const retry = new Command('retry')
    .description('put a failed or cancelled job back to pending with a fresh attempt budget')
    .argument('<id>', 'job id')
    .action(
      action(kit, 'jobs retry', async (ctx, id: string) => {
        const before = await requireJob(ctx, id);
        const job = await (await ctx.connect()).retryJob(id);
        if (job === null) {
          throw new CliError(
            `job ${id} is ${before.state}; only failed or cancelled jobs can be retried`,
            ExitCode.failure,
            'NOT_RETRYABLE',
          );
        }
        ctx.out.result(job, () =>
          ctx.out.line(`retried ${id}: now ${colorState(job.state, ctx.out.colors)}`),
        );
        return 0;
      }),
    );
  jobs.addCommand(examples(retry, 'switchyard jobs retry 0190a5b2-7c1e-7d3a-9f00-1b2c3d4e5f60'));

  const remove = new Command('remove')
    .description('delete a job')
    .argument('<id>', 'job id')
    .action(
      action(kit, 'jobs remove', async (ctx, id: string) => {
        const removed = await (await ctx.connect()).removeJob(id);
        if (!removed) throw notFoundError(`job ${id} not found`);
        ctx.out.result({ id, removed }, () => ctx.out.line(`removed ${id}`));
        return 0;
      }),
    );
  jobs.addCommand(examples(remove, 'switchyard jobs remove 0190a5b2-7c1e-7d3a-9f00-1b2c3d4e5f60'));

  jobs.addCommand(bulkCommand(kit));
  jobs.addCommand(cleanCommand(kit));
  return jobs;
}

interface EnqueueFlags {
  payload?: string;
  payloadFile?: string;
  delay?: string;
  priority?: string;
  uniqueKey?: string;
  queue?: string;
  metadata?: string[];
}

async function readPayload(flags: EnqueueFlags, ctx: ActionContext): Promise<unknown> {
  if (flags.payload !== undefined && flags.payloadFile !== undefined) {
    throw usageError('pass either --payload or --payload-file, not both');
  }
  if (flags.payloadFile !== undefined) {
    let text: string;
    try {
      text = flags.payloadFile === '-' ? await readStdin(ctx) : await readFile(flags.payloadFile, 'utf8');
    } catch (error) {
      throw usageError(`--payload-file ${flags.payloadFile}: ${(error as Error).message}`);
    }
    return parseJsonOption(text, `--payload-file ${flags.payloadFile}`);
  }
  return flags.payload === undefined ? {} : parseJsonOption(flags.payload, '--payload');
}

async function readStdin(ctx: ActionContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The job, or a not-found error (exit 3). */
async function requireJob(ctx: ActionContext, id: string): Promise<JobJson> {
  const job = await (await ctx.connect()).getJob(id);
  if (job === null) throw notFoundError(`job ${id} not found`);
  return job;
}

/** A table of jobs. */
export function printJobTable(ctx: ActionContext, jobs: JobJson[]): void {
  if (jobs.length === 0) {
    ctx.out.line('no jobs match');
    return;
  }
  const now = ctx.now();
  ctx.out.table(
    ['id', 'task', 'queue', 'state', 'attempt', 'created', 'detail'],
    jobs.map((job) => [
      job.id,
      job.task,
      job.queue,
      colorState(job.state, ctx.out.colors),
      `${job.attempt}/${job.maxAttempts ?? '∞'}`,
      formatRelative(job.createdAt, now),
      jobDetail(job, now),
    ]),
  );
}

function jobDetail(job: JobJson, now: number): string {
  if (job.error) return `${job.error.name}: ${job.error.message}`.slice(0, 60);
  if (job.state === 'scheduled' || job.state === 'retrying') return `runs ${formatRelative(job.runAt, now)}`;
  if (job.state === 'completed') return shortJson(job.result, 40);
  if (job.cancelRequested) return 'cancel requested';
  return '';
}

function printJob(ctx: ActionContext, job: JobJson): void {
  const now = ctx.now();
  const started = job.startedAt ? new Date(job.startedAt).getTime() : undefined;
  const finished = job.finishedAt ? new Date(job.finishedAt).getTime() : undefined;
  const entries: [string, string][] = [
    ['id', job.id],
    ['task', job.task],
    ['queue', job.queue],
    ['state', colorState(job.state, ctx.out.colors)],
    ['attempt', `${job.attempt} of ${job.maxAttempts ?? 'unlimited'}`],
    ['priority', String(job.priority)],
    ['created', `${job.createdAt} (${formatRelative(job.createdAt, now)})`],
    ['run at', `${job.runAt} (${formatRelative(job.runAt, now)})`],
  ];
  if (job.startedAt) entries.push(['started', job.startedAt]);
  if (job.finishedAt) entries.push(['finished', job.finishedAt]);
  if (started !== undefined && finished !== undefined)
    entries.push(['took', formatDurationMs(finished - started)]);
  if (job.uniqueKey) entries.push(['unique key', job.uniqueKey]);
  if (Object.keys(job.metadata ?? {}).length > 0) entries.push(['metadata', JSON.stringify(job.metadata)]);
  entries.push(['payload', JSON.stringify(job.payload, null, 2)]);
  if (job.progress !== undefined) entries.push(['progress', JSON.stringify(job.progress)]);
  if (job.result !== undefined) entries.push(['result', JSON.stringify(job.result, null, 2)]);
  if (job.error) entries.push(['error', `${job.error.name}: ${job.error.message}`]);
  if (job.cancelRequested) entries.push(['cancel', 'requested']);
  ctx.out.record(entries);
}
