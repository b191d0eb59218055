/** `switchyard history`: throughput and run times per bucket, as a chart and a table. */
import type { HistoryBucket } from '@switchyard/core';
import { Command, Option } from 'commander';
import { renderChart } from '../chart.js';
import { action, examples, type Kit } from '../command-kit.js';
import { formatDurationMs } from '../format.js';
import { parseDurationOption } from '../parse-options.js';

/** How far back `history` looks by default, per bucket. */
const DEFAULT_SINCE: Record<HistoryBucket, string> = { '1m': '1h', '1h': '24h' };

/** The `history` command. */
export function historyCommand(kit: Kit): Command {
  const history = new Command('history')
    .description('completed, failed and retried jobs with p50/p95 run time per bucket, for the whole cluster')
    .addOption(new Option('-b, --bucket <size>', 'bucket size').choices(['1m', '1h']).default('1m'))
    .option('--since <duration>', 'how far back (default 1h for 1m buckets, 24h for 1h buckets)')
    .option('-Q, --queue <queue>', 'only this queue')
    .option('-t, --task <task>', 'only this task')
    .action(
      action(
        kit,
        'history',
        async (ctx, flags: { bucket: HistoryBucket; since?: string; queue?: string; task?: string }) => {
          const sinceMs = parseDurationOption(flags.since ?? DEFAULT_SINCE[flags.bucket], '--since');
          const to = new Date(ctx.now());
          const result = await (await ctx.connect()).history({
            from: new Date(to.getTime() - sinceMs),
            to,
            bucket: flags.bucket,
            ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
            ...(flags.task !== undefined ? { task: flags.task } : {}),
          });
          ctx.out.result(result, () => {
            const { colors } = ctx.out;
            const label = (iso: string) => formatBucketTime(iso, flags.bucket);
            const first = result.points[0];
            const last = result.points[result.points.length - 1];
            const width = Math.max(
              20,
              Math.min(100, (ctx.io.stdout as { columns?: number }).columns ?? 80) - 30,
            );
            for (const line of renderChart(
              [
                {
                  label: 'completed',
                  values: result.points.map((point) => point.completed),
                  paint: colors.green,
                },
                { label: 'failed', values: result.points.map((point) => point.failed), paint: colors.red },
                {
                  label: 'retried',
                  values: result.points.map((point) => point.retried),
                  paint: colors.magenta,
                },
              ],
              { first: first ? label(first.at) : '', last: last ? label(last.at) : '' },
              width,
            )) {
              ctx.out.line(line);
            }
            const busy = result.points.filter((point) => point.completed + point.failed + point.retried > 0);
            ctx.out.line();
            if (busy.length === 0) {
              ctx.out.line(`no jobs finished between ${result.from} and ${result.to}`);
              return;
            }
            ctx.out.table(
              ['bucket', 'completed', 'failed', 'retried', 'p50', 'p95'],
              busy.map((point) => [
                label(point.at),
                point.completed,
                point.failed,
                point.retried,
                formatDurationMs(point.durationP50Ms),
                formatDurationMs(point.durationP95Ms),
              ]),
            );
            ctx.out.line(colors.dim(`${result.points.length - busy.length} empty buckets not shown`));
          });
          return 0;
        },
      ),
    );
  return examples(history, 'switchyard history --bucket 1h --since 7d --queue email');
}

/** `14:05` for minute buckets of today, `11-23 14:00` otherwise (UTC). */
function formatBucketTime(iso: string, bucket: HistoryBucket): string {
  const time = iso.slice(11, 16);
  return bucket === '1m' ? time : `${iso.slice(5, 10)} ${time}`;
}
