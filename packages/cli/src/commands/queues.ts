/** `switchyard queues list|pause|resume`. */
import { Command } from 'commander';
import { action, examples, type Kit } from '../command-kit.js';

/** The `queues` command group. */
export function queuesCommand(kit: Kit): Command {
  const queues = new Command('queues').description('list, pause and resume queues');
  examples(queues, 'switchyard queues pause email');

  const list = new Command('list').description('queues with their pause flag and job counts').action(
    action(kit, 'queues list', async (ctx) => {
      const rows = await (await ctx.connect()).queues();
      ctx.out.result(rows, () => {
        if (rows.length === 0) {
          ctx.out.line('no queues');
          return;
        }
        ctx.out.table(
          ['queue', 'paused', 'pending', 'scheduled', 'running', 'retrying', 'failed'],
          rows.map((row) => [
            row.name,
            row.paused ? ctx.out.colors.yellow('paused') : '',
            row.counts.pending,
            row.counts.scheduled,
            row.counts.running,
            row.counts.retrying,
            row.counts.failed,
          ]),
        );
      });
      return 0;
    }),
  );
  queues.addCommand(examples(list, 'switchyard queues list --json'));

  for (const verb of ['pause', 'resume'] as const) {
    const command = new Command(verb)
      .description(
        verb === 'pause'
          ? 'stop workers from taking new jobs from a queue (running jobs finish)'
          : 'let workers take jobs from a paused queue again',
      )
      .argument('<queue>', 'queue name')
      .action(
        action(kit, `queues ${verb}`, async (ctx, queue: string) => {
          const connection = await ctx.connect();
          await (verb === 'pause' ? connection.pauseQueue(queue) : connection.resumeQueue(queue));
          ctx.out.result({ name: queue, paused: verb === 'pause' }, () =>
            ctx.out.line(`${verb === 'pause' ? 'paused' : 'resumed'} ${queue}`),
          );
          return 0;
        }),
      );
    queues.addCommand(examples(command, `switchyard queues ${verb} email`));
  }
  return queues;
}
