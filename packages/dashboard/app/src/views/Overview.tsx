/**
 * Every queue at a glance: counts per state, oldest pending age, paused, workers,
 * throughput charts over an hour, a day or a week, and a banner for queues with
 * pending jobs and no worker.
 */
import { useMemo } from 'preact/hooks';
import { Chart } from '../components/Chart.tsx';
import { useApp } from '../context.ts';
import { formatCount, formatDuration } from '../format.ts';
import { useEvents, useLoader, useThrottled } from '../hooks.ts';
import { type HistoryRange, historyWindow, perMinute, unattendedQueues } from '../overview-model.ts';
import { formatRoute, jobsLink } from '../router.ts';
import { JOB_STATES, type QueueSummary } from '../types.ts';

const RANGES: { value: HistoryRange; label: string }[] = [
  { value: 'hour', label: 'Last hour' },
  { value: 'day', label: 'Last day' },
  { value: 'week', label: 'Last week' },
];

/** The overview; `params` holds `range`. */
export function Overview({ params }: { params: URLSearchParams }) {
  const { api } = useApp();
  const range = (RANGES.find((entry) => entry.value === params.get('range'))?.value ??
    'hour') as HistoryRange;
  const summary = useLoader(() => api.stats.summary(), [api], 5000);
  const history = useLoader(() => api.stats.history(historyWindow(range, Date.now())), [api, range], 30_000);
  const refresh = useThrottled(() => void summary.reload(), 1000);
  useEvents((event) => {
    if (
      event.type === 'gap' ||
      event.type === 'enqueued' ||
      event.type === 'completed' ||
      event.type === 'failed' ||
      event.type === 'cancelled'
    )
      refresh();
  });

  // Memoized so a summary refresh does not redraw the charts (uPlot rebuilds on new series).
  const chart = useMemo(() => {
    if (!history.data) return undefined;
    const rates = perMinute(history.data);
    return {
      times: rates.times,
      completed: [{ label: 'completed/min', values: rates.completed, color: '#2f9e44' }],
      failures: [
        { label: 'failed/min', values: rates.failed, color: '#e03131' },
        { label: 'retried/min', values: rates.retried, color: '#f08c00' },
      ],
    };
  }, [history.data]);
  const queues = summary.data?.queues ?? [];
  const unattended = unattendedQueues(queues);

  return (
    <main>
      <h1>Overview</h1>
      {summary.error ? (
        <p class="error-text" role="alert">
          Could not load the summary: {summary.error.message}
        </p>
      ) : null}
      {unattended.length > 0 ? (
        <div class="banner warning" role="alert">
          <strong>
            No worker consumes {unattended.length === 1 ? 'a queue' : `${unattended.length} queues`} with
            pending jobs:
          </strong>{' '}
          {unattended.map((queue, index) => (
            <span key={queue.queue}>
              {index > 0 ? ', ' : ''}
              <a href={jobsLink({ queue: queue.queue, state: 'pending' })}>{queue.queue}</a> (
              {formatCount(queue.counts.pending)} pending)
            </span>
          ))}
          . Start a worker for {unattended.length === 1 ? 'it' : 'them'}.
        </div>
      ) : null}
      {summary.data ? (
        <section class="totals" aria-label="Totals">
          {JOB_STATES.map((state) => (
            <a key={state} class={`total state-${state}`} href={jobsLink({ state })}>
              <span class="total-count">{formatCount(summary.data!.totals.counts[state])}</span>
              <span class="total-label">{state}</span>
            </a>
          ))}
          <a class="total" href={formatRoute('workers')}>
            <span class="total-count">{summary.data.totals.workers}</span>
            <span class="total-label">workers</span>
          </a>
          <div class="total">
            <span class="total-count">{summary.data.totals.jobsPerMinute.toFixed(1)}</span>
            <span class="total-label">jobs/min (5 min)</span>
          </div>
        </section>
      ) : summary.loading ? (
        <p class="muted">Loading…</p>
      ) : null}

      <section class="charts" aria-label="Throughput">
        <div class="section-head">
          <h2>Throughput</h2>
          <nav class="segmented" aria-label="Chart range">
            {RANGES.map((entry) => (
              <a
                key={entry.value}
                href={formatRoute('overview', { params: { range: entry.value } })}
                aria-current={entry.value === range ? 'page' : undefined}
              >
                {entry.label}
              </a>
            ))}
          </nav>
        </div>
        {history.error ? <p class="error-text">Could not load the history: {history.error.message}</p> : null}
        {chart ? (
          <div class="chart-grid">
            <figure>
              <figcaption>Jobs per minute (completed)</figcaption>
              <Chart
                title={`Completed jobs per minute, ${range}`}
                times={chart.times}
                series={chart.completed}
              />
            </figure>
            <figure>
              <figcaption>Failures per minute</figcaption>
              <Chart title={`Failed jobs per minute, ${range}`} times={chart.times} series={chart.failures} />
            </figure>
          </div>
        ) : null}
      </section>

      <section aria-label="Queues">
        <h2>Queues</h2>
        <QueueTable queues={queues} onChanged={() => void summary.reload()} />
      </section>
    </main>
  );
}

function QueueTable({ queues, onChanged }: { queues: QueueSummary[]; onChanged: () => void }) {
  const { api, can, notify, confirm } = useApp();
  if (queues.length === 0) return <p class="muted">No queues yet.</p>;
  const togglePause = async (queue: QueueSummary) => {
    if (!queue.paused) {
      const ok = await confirm({
        title: `Pause ${queue.queue}?`,
        body: 'Workers stop taking new jobs from this queue until it is resumed. Running jobs finish.',
        confirmLabel: 'Pause queue',
        danger: true,
      });
      if (!ok) return;
    }
    try {
      await (queue.paused ? api.queues.resume(queue.queue) : api.queues.pause(queue.queue));
      notify(`${queue.queue} ${queue.paused ? 'resumed' : 'paused'}`);
      onChanged();
    } catch (error) {
      notify(
        `Could not ${queue.paused ? 'resume' : 'pause'} ${queue.queue}: ${(error as Error).message}`,
        'error',
      );
    }
  };
  const retryFailed = async (queue: QueueSummary) => {
    const ok = await confirm({
      title: `Retry every failed job in ${queue.queue}?`,
      body: `${formatCount(queue.counts.failed)} failed jobs go back to pending with a fresh attempt budget.`,
      confirmLabel: 'Retry all failed',
    });
    if (!ok) return;
    try {
      const outcome = await api.jobs.bulk('retry', { queue: queue.queue, state: ['failed'] });
      notify(
        `Retried ${formatCount(outcome.changed)} jobs in ${queue.queue}${outcome.skipped ? ` (${outcome.skipped} skipped)` : ''}`,
      );
      onChanged();
    } catch (error) {
      notify(`Could not retry: ${(error as Error).message}`, 'error');
    }
  };
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            {JOB_STATES.map((state) => (
              <th key={state} scope="col" class="num">
                {state}
              </th>
            ))}
            <th scope="col" class="num">
              Oldest pending
            </th>
            <th scope="col" class="num">
              Workers
            </th>
            <th scope="col" class="num">
              Jobs/min
            </th>
            {can('pauseQueue') || can('bulk') ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {queues.map((queue) => (
            <tr key={queue.queue}>
              <th scope="row">
                <a href={jobsLink({ queue: queue.queue })}>{queue.queue}</a>
                {queue.paused ? <span class="badge paused">paused</span> : null}
              </th>
              {JOB_STATES.map((state) => (
                <td key={state} class="num">
                  {queue.counts[state] > 0 ? (
                    <a href={jobsLink({ queue: queue.queue, state })}>{formatCount(queue.counts[state])}</a>
                  ) : (
                    <span class="muted">0</span>
                  )}
                </td>
              ))}
              <td class="num">
                {queue.oldestPendingAgeMs === null ? '—' : formatDuration(queue.oldestPendingAgeMs)}
              </td>
              <td class={`num${queue.workers === 0 && queue.counts.pending > 0 ? ' warn' : ''}`}>
                {queue.workers}
              </td>
              <td class="num">{queue.jobsPerMinute.toFixed(1)}</td>
              {can('pauseQueue') || can('bulk') ? (
                <td class="actions-cell">
                  {can('pauseQueue') ? (
                    <button type="button" onClick={() => void togglePause(queue)}>
                      {queue.paused ? 'Resume' : 'Pause'}
                      <span class="sr-only"> {queue.queue}</span>
                    </button>
                  ) : null}
                  {can('bulk') && queue.counts.failed > 0 ? (
                    <button type="button" onClick={() => void retryFailed(queue)}>
                      Retry failed<span class="sr-only"> in {queue.queue}</span>
                    </button>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
