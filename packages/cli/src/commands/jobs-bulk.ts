/** `switchyard jobs bulk retry|cancel|remove` and `switchyard jobs clean`. */
import { createInterface } from 'node:readline/promises';
import type { BulkAction, BulkProgress } from '@switchyard/core';
import { TERMINAL_STATES } from '@switchyard/core';
import { Argument, Command } from 'commander';
import { type ActionContext, action, examples, type Kit } from '../command-kit.js';
import type { JobFilterInput } from '../connection.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';
import { formatBulkProgress } from '../format.js';
import { addFilterOptions, type FilterFlags, isEmptyFilter, parseFilter } from '../job-filter-options.js';
import { parseDurationOption, parseIntegerOption } from '../parse-options.js';

const PAST: Record<BulkAction, string> = { retry: 'retried', cancel: 'cancelled', remove: 'removed' };

/** `jobs bulk <action>`. */
export function bulkCommand(kit: Kit): Command {
  const bulk = addFilterOptions(
    new Command('bulk')
      .description('retry, cancel or remove every job matching a filter, page by page')
      .addArgument(new Argument('<action>', 'what to do').choices(['retry', 'cancel', 'remove'])),
  )
    .option('--all', 'allow an empty filter (every job)')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--batch-size <n>', 'jobs per page (1..1000)', '500')
    .action(
      action(
        kit,
        'jobs bulk',
        async (
          ctx,
          bulkAction: BulkAction,
          flags: FilterFlags & { all?: boolean; yes?: boolean; batchSize: string },
        ) => {
          const filter = parseFilter(flags, ctx.now());
          const batchSize = parseIntegerOption(flags.batchSize, '--batch-size', 1, 1000);
          if (isEmptyFilter(filter) && !flags.all) {
            throw usageError(`jobs bulk ${bulkAction}: no filter given; pass --all to mean every job`);
          }
          await confirm(
            ctx,
            `${bulkAction} every job matching ${describeFilter(filter)}`,
            flags.yes === true,
          );
          const connection = await ctx.connect();
          const result = await connection.bulk(
            { action: bulkAction, filter, all: flags.all === true, batchSize },
            (progress) => ctx.out.progress(formatBulkProgress(bulkAction, progress)),
          );
          ctx.out.endProgress();
          report(ctx, bulkAction, result);
          return 0;
        },
      ),
    );
  return examples(
    bulk,
    'switchyard jobs bulk retry --state failed --queue email --yes',
    'switchyard jobs bulk remove --state cancelled --created-before 30d --yes --json',
  );
}

/** `jobs clean`. */
export function cleanCommand(kit: Kit): Command {
  const clean = new Command('clean')
    .description(
      'remove finished jobs (completed, failed or cancelled) that finished longer ago than --older-than',
    )
    .requiredOption('-s, --state <state>', `a finished state: ${TERMINAL_STATES.join(', ')}`)
    .requiredOption('--older-than <duration>', 'finished longer ago than this (7d, 12h)')
    .option('-Q, --queue <queue>', 'only this queue')
    .option('--batch-size <n>', 'jobs per page (1..1000)', '500')
    .action(
      action(
        kit,
        'jobs clean',
        async (ctx, flags: { state: string; olderThan: string; queue?: string; batchSize: string }) => {
          if (!(TERMINAL_STATES as readonly string[]).includes(flags.state)) {
            throw usageError(
              `--state must be one of ${TERMINAL_STATES.join(', ')}, got ${JSON.stringify(flags.state)}`,
            );
          }
          const olderThanMs = parseDurationOption(flags.olderThan, '--older-than');
          const batchSize = parseIntegerOption(flags.batchSize, '--batch-size', 1, 1000);
          const connection = await ctx.connect();
          const result = await connection.clean(
            {
              state: flags.state as (typeof TERMINAL_STATES)[number],
              olderThanMs,
              batchSize,
              ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
            },
            (progress) => ctx.out.progress(formatBulkProgress('clean', progress)),
          );
          ctx.out.endProgress();
          report(ctx, 'remove', result);
          return 0;
        },
      ),
    );
  return examples(clean, 'switchyard jobs clean --state completed --older-than 7d');
}

function report(ctx: ActionContext, bulkAction: BulkAction, result: BulkProgress): void {
  ctx.out.result({ action: bulkAction, ...result }, () => {
    const requested = result.requested > 0 ? `, cancel requested for ${result.requested} running` : '';
    ctx.out.line(
      `${PAST[bulkAction]} ${result.changed} of ${result.matched} matching jobs${requested}` +
        (result.skipped > 0 ? ` (${result.skipped} skipped: state changed or not applicable)` : ''),
    );
  });
}

/** Asks on a terminal; refuses without `--yes` elsewhere, so a script never changes jobs by accident. */
async function confirm(ctx: ActionContext, what: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (ctx.io.stdin.isTTY !== true || ctx.out.json) {
    throw usageError(`refusing to ${what} without --yes (stdin is not a terminal)`);
  }
  const prompt = createInterface({ input: ctx.io.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${what}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim()))
      throw new CliError('aborted; nothing changed', ExitCode.failure, 'ABORTED');
  } finally {
    prompt.close();
  }
}

function describeFilter(filter: JobFilterInput): string {
  const parts: string[] = [];
  if (filter.state) parts.push(`state ${filter.state.join('|')}`);
  if (filter.queue) parts.push(`queue ${filter.queue}`);
  if (filter.task) parts.push(`task ${filter.task}`);
  if (filter.createdAfter) parts.push(`created after ${filter.createdAfter.toISOString()}`);
  if (filter.createdBefore) parts.push(`created before ${filter.createdBefore.toISOString()}`);
  if (filter.metadata) parts.push(`metadata ${JSON.stringify(filter.metadata)}`);
  return parts.length > 0 ? parts.join(', ') : '(every job)';
}
