/** `switchyard schedules list|pause|resume|trigger|remove`. */
import { Command } from 'commander';
import { action, examples, type Kit } from '../command-kit.js';
import { notFoundError } from '../exit-codes.js';
import { formatDurationMs, formatRelative, shortJson } from '../format.js';

const DESCRIPTIONS = {
  pause: 'stop a schedule from firing (its definition stays)',
  resume: 'let a paused schedule fire again',
  trigger: "run a schedule's task now, once; its next tick does not move",
  remove: 'delete a schedule',
} as const;

/** The `schedules` command group. */
export function schedulesCommand(kit: Kit): Command {
  const schedules = new Command('schedules').description('list, pause, resume, trigger and remove schedules');
  examples(schedules, 'switchyard schedules trigger nightly-report');

  const list = new Command('list')
    .description('schedules with their cron or interval, next and last run')
    .action(
      action(kit, 'schedules list', async (ctx) => {
        const rows = await (await ctx.connect()).schedules();
        ctx.out.result(rows, () => {
          if (rows.length === 0) {
            ctx.out.line('no schedules');
            return;
          }
          const now = ctx.now();
          ctx.out.table(
            ['key', 'task', 'queue', 'every', 'next run', 'last run', 'paused', 'payload'],
            rows.map((row) => [
              row.key,
              row.task,
              row.queue,
              row.cron !== undefined
                ? `${row.cron}${row.tz && row.tz !== 'UTC' ? ` (${row.tz})` : ''}`
                : formatDurationMs(row.everyMs),
              formatRelative(row.nextRunAt, now),
              formatRelative(row.lastRunAt, now),
              row.paused ? ctx.out.colors.yellow('paused') : '',
              shortJson(row.payload, 30),
            ]),
          );
        });
        return 0;
      }),
    );
  schedules.addCommand(examples(list, 'switchyard schedules list'));

  for (const verb of ['pause', 'resume', 'trigger', 'remove'] as const) {
    const command = new Command(verb)
      .description(DESCRIPTIONS[verb])
      .argument('<key>', 'schedule key')
      .action(
        action(kit, `schedules ${verb}`, async (ctx, key: string) => {
          const connection = await ctx.connect();
          if (verb === 'trigger') {
            const job = await connection.triggerSchedule(key);
            if (job === null) throw notFoundError(`schedule ${key} not found`);
            ctx.out.result({ key, id: job.id }, () => ctx.out.line(`triggered ${key}: job ${job.id}`));
            return 0;
          }
          const done = await (verb === 'pause'
            ? connection.pauseSchedule(key)
            : verb === 'resume'
              ? connection.resumeSchedule(key)
              : connection.removeSchedule(key));
          if (!done) throw notFoundError(`schedule ${key} not found`);
          const past = { pause: 'paused', resume: 'resumed', remove: 'removed' }[verb];
          const json = verb === 'remove' ? { key, removed: true } : { key, paused: verb === 'pause' };
          ctx.out.result(json, () => ctx.out.line(`${past} ${key}`));
          return 0;
        }),
      );
    schedules.addCommand(examples(command, `switchyard schedules ${verb} nightly-report`));
  }
  return schedules;
}
