/** Cron and interval schedules: next and last run, paused; pause/resume, run now, remove by role. */
import { useApp } from '../context.ts';
import { formatCadence, formatRelative, formatTime } from '../format.ts';
import { useLoader, useNow } from '../hooks.ts';
import { jobLink, jobsLink } from '../router.ts';
import type { Schedule } from '../types.ts';

/** The schedules view. */
export function Schedules() {
  const { api, can, notify, confirm } = useApp();
  const schedules = useLoader(() => api.schedules.list(), [api], 10_000);
  const now = useNow(1000);
  const run = async (label: string, action: () => Promise<unknown>) => {
    try {
      await action();
      notify(label);
      void schedules.reload();
    } catch (error) {
      notify(`${label} failed: ${(error as Error).message}`, 'error');
    }
  };
  const trigger = async (schedule: Schedule) => {
    try {
      const { id } = await api.schedules.trigger(schedule.key);
      notify(`${schedule.key} enqueued job ${id}`);
      location.hash = jobLink(id);
    } catch (error) {
      notify(`Run now failed: ${(error as Error).message}`, 'error');
    }
  };
  const remove = async (schedule: Schedule) => {
    const ok = await confirm({
      title: `Remove schedule ${schedule.key}?`,
      body: 'It stops firing. A scheduler that still declares it in code creates it again when it starts.',
      confirmLabel: 'Remove schedule',
      danger: true,
    });
    if (ok) await run(`Removed ${schedule.key}`, () => api.schedules.remove(schedule.key));
  };
  const writes = can('triggerSchedule') || can('editSchedule');
  return (
    <main>
      <h1>Schedules</h1>
      {schedules.error ? (
        <p class="error-text" role="alert">
          Could not load schedules: {schedules.error.message}
        </p>
      ) : null}
      {schedules.data && schedules.data.length === 0 ? <p class="muted">No schedules.</p> : null}
      {schedules.data && schedules.data.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Schedule</th>
                <th scope="col">Task</th>
                <th scope="col">When</th>
                <th scope="col">Time zone</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
                <th scope="col">State</th>
                {writes ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {schedules.data.map((schedule) => (
                <tr key={schedule.key} data-schedule={schedule.key}>
                  <th scope="row">{schedule.key}</th>
                  <td>
                    <a href={jobsLink({ task: schedule.task, 'meta.scheduleKey': schedule.key })}>
                      {schedule.task}
                    </a>
                  </td>
                  <td class="mono">{formatCadence(schedule)}</td>
                  <td>{schedule.tz ?? 'UTC'}</td>
                  <td title={formatTime(schedule.nextRunAt)}>
                    {schedule.paused ? <span class="muted">—</span> : formatRelative(schedule.nextRunAt, now)}
                  </td>
                  <td title={formatTime(schedule.lastRunAt)}>{formatRelative(schedule.lastRunAt, now)}</td>
                  <td>
                    {schedule.paused ? (
                      <span class="badge paused">paused</span>
                    ) : (
                      <span class="badge state-running">active</span>
                    )}
                  </td>
                  {writes ? (
                    <td class="actions-cell">
                      {can('triggerSchedule') ? (
                        <button type="button" onClick={() => void trigger(schedule)}>
                          Run now<span class="sr-only"> {schedule.key}</span>
                        </button>
                      ) : null}
                      {can('editSchedule') ? (
                        <button
                          type="button"
                          onClick={() =>
                            void run(`${schedule.key} ${schedule.paused ? 'resumed' : 'paused'}`, () =>
                              schedule.paused
                                ? api.schedules.resume(schedule.key)
                                : api.schedules.pause(schedule.key),
                            )
                          }
                        >
                          {schedule.paused ? 'Resume' : 'Pause'}
                          <span class="sr-only"> {schedule.key}</span>
                        </button>
                      ) : null}
                      {can('editSchedule') ? (
                        <button type="button" class="danger" onClick={() => void remove(schedule)}>
                          Remove<span class="sr-only"> {schedule.key}</span>
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}
