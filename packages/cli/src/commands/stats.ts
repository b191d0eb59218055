/** `switchyard stats`: per queue and state, oldest pending, workers, jobs per minute. */
import { JOB_STATES } from '@switchyard/core';
import { Command } from 'commander';
import { action, examples, type Kit } from '../command-kit.js';
import { colorState, formatDurationMs } from '../format.js';

/** The `stats` command. */
export function statsCommand(kit: Kit): Command {
  const stats = new Command('stats')
    .description('counts per queue and state, oldest pending job, live workers and jobs/min (last 5 minutes)')
    .action(
      action(kit, 'stats', async (ctx) => {
        const summary = await (await ctx.connect()).stats();
        ctx.out.result(summary, () => {
          const { colors } = ctx.out;
          const row = (
            name: string,
            counts: Record<string, number>,
            paused: string,
            oldest: number | null,
            workers: number,
            perMinute: number,
          ) => [
            name,
            paused,
            ...JOB_STATES.map((state) => String(counts[state] ?? 0)),
            formatDurationMs(oldest),
            workers,
            perMinute.toFixed(1),
          ];
          ctx.out.table(
            [
              'queue',
              'paused',
              ...JOB_STATES.map((state) => colorState(state, colors)),
              'oldest pending',
              'workers',
              'jobs/min',
            ],
            [
              ...summary.queues.map((queue) =>
                row(
                  queue.queue,
                  queue.counts,
                  queue.paused ? colors.yellow('paused') : '',
                  queue.oldestPendingAgeMs,
                  queue.workers,
                  queue.jobsPerMinute,
                ),
              ),
              row(
                colors.bold('total'),
                summary.totals.counts,
                '',
                null,
                summary.totals.workers,
                summary.totals.jobsPerMinute,
              ),
            ],
          );
        });
        return 0;
      }),
    );
  return examples(
    stats,
    'switchyard stats',
    'switchyard stats --json | jq ".queues[] | {queue, pending: .counts.pending}"',
  );
}
