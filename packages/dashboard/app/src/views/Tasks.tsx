/** The task catalogue: settings of every registered task, and its payload schema. */
import { useApp } from '../context.ts';
import { formatDuration } from '../format.ts';
import { useLoader } from '../hooks.ts';
import { formatRoute, jobsLink } from '../router.ts';

/** `exponential 1 s ×2`, `fixed 5 s`, … */
export function describeBackoff(backoff: unknown): string {
  if (backoff === 'function') return 'custom function';
  if (typeof backoff !== 'object' || backoff === null) return '—';
  const spec = backoff as { type?: string; delay?: number; factor?: number; delays?: number[] };
  if (spec.type === 'list' && Array.isArray(spec.delays))
    return `list ${spec.delays.map(formatDuration).join(', ')}`;
  if (spec.type === 'exponential')
    return `exponential ${formatDuration(spec.delay ?? 0)} ×${spec.factor ?? 2}`;
  if (spec.type === 'fixed') return `fixed ${formatDuration(spec.delay ?? 0)}`;
  return spec.type ?? '—';
}

/** The tasks view. */
export function Tasks() {
  const { api, can } = useApp();
  const tasks = useLoader(() => api.tasks.list(), [api]);
  return (
    <main>
      <h1>Tasks</h1>
      {tasks.error ? (
        <p class="error-text" role="alert">
          Could not load tasks: {tasks.error.message}
        </p>
      ) : null}
      {tasks.data ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Queue</th>
                <th scope="col" class="num">
                  Priority
                </th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">Backoff</th>
                <th scope="col">Timeout</th>
                <th scope="col">Handler here</th>
                <th scope="col">Schema</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.map((task) => (
                <tr key={task.name}>
                  <th scope="row">
                    <a href={formatRoute('task', { id: task.name })}>{task.name}</a>
                  </th>
                  <td>
                    <a href={jobsLink({ queue: task.queue })}>{task.queue}</a>
                  </td>
                  <td class="num">{task.priority}</td>
                  <td class="num">{task.attempts ?? '∞'}</td>
                  <td>{describeBackoff(task.backoff)}</td>
                  <td>{formatDuration(task.timeoutMs)}</td>
                  <td>{task.hasHandler ? 'yes' : 'no'}</td>
                  <td>{task.payloadSchema ? 'JSON Schema' : <span class="muted">none</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {can('enqueue') ? (
        <p class="muted">Open a task to enqueue a job with a form built from its schema.</p>
      ) : null}
    </main>
  );
}
