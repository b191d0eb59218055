/** `switchyard tasks`: the tasks the config (or the API) knows. */
import { Command } from 'commander';
import { action, examples, type Kit } from '../command-kit.js';
import { formatDurationMs } from '../format.js';

/** The `tasks` command. */
export function tasksCommand(kit: Kit): Command {
  const tasks = new Command('tasks')
    .description('registered tasks: queue, priority, attempts, timeout, handler, payload schema')
    .action(
      action(kit, 'tasks', async (ctx) => {
        const list = await (await ctx.connect()).tasks();
        ctx.out.result(list, () => {
          if (list.length === 0) {
            ctx.out.line('no tasks registered');
            return;
          }
          ctx.out.table(
            ['task', 'queue', 'priority', 'attempts', 'backoff', 'timeout', 'handler', 'payload schema'],
            list.map((task) => [
              task.name,
              task.queue,
              task.priority,
              task.attempts ?? 'unlimited',
              typeof task.backoff === 'string' ? task.backoff : task.backoff.type,
              formatDurationMs(task.timeoutMs),
              task.hasHandler ? 'yes' : 'no',
              task.payloadSchema ? 'JSON Schema (--json)' : '-',
            ]),
          );
        });
        return 0;
      }),
    );
  return examples(tasks, 'switchyard tasks', 'switchyard tasks --json | jq ".[0].payloadSchema"');
}
