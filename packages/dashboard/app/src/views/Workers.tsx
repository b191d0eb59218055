/** Live workers of the cluster: where they run, what they consume and what they run now. */
import { useApp } from '../context.ts';
import { formatRelative, formatTime, shortId } from '../format.ts';
import { useLoader, useNow } from '../hooks.ts';
import { jobLink, jobsLink } from '../router.ts';

/** The workers view. */
export function Workers() {
  const { api } = useApp();
  const workers = useLoader(() => api.workers.list(), [api], 5000);
  const now = useNow(1000);
  return (
    <main>
      <h1>Workers</h1>
      {workers.error ? (
        <p class="error-text" role="alert">
          Could not load workers: {workers.error.message}
        </p>
      ) : null}
      {workers.data && workers.data.length === 0 ? <p class="muted">No live workers.</p> : null}
      {workers.data && workers.data.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Host</th>
                <th scope="col" class="num">
                  PID
                </th>
                <th scope="col">Queues</th>
                <th scope="col" class="num">
                  Concurrency
                </th>
                <th scope="col">Running</th>
                <th scope="col">Started</th>
                <th scope="col">Last seen</th>
                <th scope="col">Version</th>
              </tr>
            </thead>
            <tbody>
              {workers.data.map((worker) => (
                <tr key={worker.id}>
                  <td class="mono" title={worker.id}>
                    {shortId(worker.id)}
                  </td>
                  <td>{worker.hostname}</td>
                  <td class="num">{worker.pid}</td>
                  <td>
                    {worker.queues.map((queue, index) => (
                      <span key={queue}>
                        {index > 0 ? ', ' : ''}
                        <a href={jobsLink({ queue })}>{queue}</a>
                      </span>
                    ))}
                  </td>
                  <td class="num">{worker.concurrency}</td>
                  <td>
                    {worker.runningJobIds.length === 0 ? <span class="muted">idle</span> : null}
                    {worker.runningJobIds.map((id, index) => (
                      <span key={id}>
                        {index > 0 ? ', ' : ''}
                        <a class="mono" href={jobLink(id)} title={id}>
                          {shortId(id)}
                        </a>
                      </span>
                    ))}
                  </td>
                  <td title={formatTime(worker.startedAt)}>{formatRelative(worker.startedAt, now)}</td>
                  <td title={formatTime(worker.lastSeenAt)}>{formatRelative(worker.lastSeenAt, now)}</td>
                  <td>
                    {worker.adapter} · {worker.version}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </main>
  );
}
