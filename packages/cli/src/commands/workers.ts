/** `switchyard workers`: live workers of every process on the backend. */
import { Command } from 'commander';
import { action, examples, type Kit } from '../command-kit.js';
import { formatRelative } from '../format.js';

/** The `workers` command. */
export function workersCommand(kit: Kit): Command {
  const workers = new Command('workers')
    .description(
      'live workers of every process: host, pid, queues, concurrency, running jobs, last heartbeat',
    )
    .action(
      action(kit, 'workers', async (ctx) => {
        const list = await (await ctx.connect()).workers();
        ctx.out.result(list, () => {
          if (list.length === 0) {
            ctx.out.line('no live workers');
            return;
          }
          const now = ctx.now();
          ctx.out.table(
            ['id', 'host', 'pid', 'queues', 'running', 'started', 'last seen', 'version'],
            list.map((worker) => [
              worker.id,
              worker.hostname,
              worker.pid,
              worker.queues.join(','),
              `${worker.runningJobIds.length}/${worker.concurrency}`,
              formatRelative(worker.startedAt, now),
              formatRelative(worker.lastSeenAt, now),
              `${worker.adapter} ${worker.version}`,
            ]),
          );
        });
        return 0;
      }),
    );
  return examples(workers, 'switchyard workers --json');
}
