/**
 * One job: state and actions by role, progress, error with stack, the attempts on a
 * timeline, payload and result as collapsible JSON, metadata and the trace link. Live:
 * its events re-read the record and feed the timeline.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { JsonView } from '../components/JsonView.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { useApp } from '../context.ts';
import { formatDuration, formatRelative, formatTime } from '../format.ts';
import { useEvents, useLoader, useNow, useThrottled } from '../hooks.ts';
import { formatRoute, jobsLink } from '../router.ts';
import { buildTimeline } from '../timeline.ts';
import { traceIdOf, traceUrl } from '../trace.ts';
import { type Job, type JobEvent, TERMINAL_STATES } from '../types.ts';

/** The job detail view. */
export function JobDetail({ id }: { id: string }) {
  const { api } = useApp();
  const job = useLoader(() => api.jobs.get(id), [api, id]);
  const [events, setEvents] = useState<JobEvent[]>([]);
  const refresh = useThrottled(() => void job.reload(), 300);
  useEvents((event) => {
    if (event.type === 'gap') refresh();
    else if (event.jobId === id) {
      setEvents((current) => [...current, event]);
      refresh();
    }
  });
  if (job.error) {
    const missing = job.error instanceof ApiError && job.error.status === 404;
    return (
      <main>
        <h1>Job {id}</h1>
        <p class="error-text" role="alert">
          {missing
            ? 'No such job: it may have been removed or cleaned up by retention.'
            : `Could not load the job: ${job.error.message}`}
        </p>
        <a href={jobsLink()}>All jobs</a>
      </main>
    );
  }
  if (!job.data)
    return (
      <main>
        <p class="muted">Loading…</p>
      </main>
    );
  return <JobBody job={job.data} events={events} onChanged={() => void job.reload()} />;
}

function progressPercent(progress: unknown): number | undefined {
  const value =
    typeof progress === 'number'
      ? progress
      : typeof progress === 'object' && progress !== null
        ? (progress as { percent?: unknown }).percent
        : undefined;
  return typeof value === 'number' && value >= 0 && value <= 100 ? value : undefined;
}

function JobBody({ job, events, onChanged }: { job: Job; events: JobEvent[]; onChanged: () => void }) {
  const { api, can, notify, confirm, config } = useApp();
  const now = useNow(1000);
  const timeline = buildTimeline(job, events);
  const traceId = traceIdOf(job.metadata);
  const traceLink = traceId ? traceUrl(config.traceUrlTemplate, traceId) : undefined;
  const percent = progressPercent(job.progress);
  const terminal = TERMINAL_STATES.includes(job.state);
  const canCancel = !terminal && (job.state === 'running' ? can('cancelRunning') : can('cancelWaiting'));
  const canRetry = (job.state === 'failed' || job.state === 'cancelled') && can('retry');

  const act = async (verb: 'retry' | 'cancel' | 'remove') => {
    if (verb !== 'retry') {
      const ok = await confirm({
        title: verb === 'cancel' ? 'Cancel this job?' : 'Remove this job?',
        body:
          verb === 'cancel'
            ? job.state === 'running'
              ? 'Its worker is asked to abort it.'
              : 'It will not run.'
            : 'It is deleted from the backend. This cannot be undone.',
        confirmLabel: verb === 'cancel' ? 'Cancel job' : 'Remove job',
        danger: true,
      });
      if (!ok) return;
    }
    try {
      if (verb === 'retry') await api.jobs.retry(job.id);
      else if (verb === 'cancel') await api.jobs.cancel(job.id);
      else {
        await api.jobs.remove(job.id);
        notify('Job removed');
        location.hash = jobsLink({ queue: job.queue });
        return;
      }
      notify(verb === 'retry' ? 'Job retried: pending again' : 'Cancel requested');
      onChanged();
    } catch (error) {
      notify(`Could not ${verb}: ${(error as Error).message}`, 'error');
    }
  };

  return (
    <main class="job-detail">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={jobsLink()}>Jobs</a> › <a href={jobsLink({ queue: job.queue })}>{job.queue}</a> ›{' '}
        <span class="mono">{job.id}</span>
      </nav>
      <div class="section-head">
        <h1>
          {job.task} <StateBadge state={job.state} />
          {job.cancelRequested ? <span class="badge paused">cancel requested</span> : null}
        </h1>
        <div class="actions">
          {canRetry ? (
            <button type="button" class="primary" onClick={() => void act('retry')}>
              Retry
            </button>
          ) : null}
          {canCancel ? (
            <button type="button" onClick={() => void act('cancel')}>
              Cancel
            </button>
          ) : null}
          {can('remove') ? (
            <button type="button" class="danger" onClick={() => void act('remove')}>
              Remove
            </button>
          ) : null}
        </div>
      </div>

      <dl class="facts">
        <dt>Id</dt>
        <dd class="mono">{job.id}</dd>
        <dt>Queue</dt>
        <dd>
          <a href={jobsLink({ queue: job.queue })}>{job.queue}</a>
        </dd>
        <dt>Attempt</dt>
        <dd>
          {job.attempt}
          {job.maxAttempts === null ? ' (unlimited)' : ` of ${job.maxAttempts}`}
        </dd>
        <dt>Priority</dt>
        <dd>{job.priority}</dd>
        <dt>Created</dt>
        <dd>
          {formatTime(job.createdAt)} ({formatRelative(job.createdAt, now)})
        </dd>
        <dt>Run at</dt>
        <dd>
          {formatTime(job.runAt)} ({formatRelative(job.runAt, now)})
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(job.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(job.finishedAt)}</dd>
        {job.uniqueKey ? (
          <>
            <dt>Unique key</dt>
            <dd class="mono">{job.uniqueKey}</dd>
          </>
        ) : null}
        {job.timeoutMs ? (
          <>
            <dt>Timeout</dt>
            <dd>{formatDuration(job.timeoutMs)}</dd>
          </>
        ) : null}
        {traceId ? (
          <>
            <dt>Trace</dt>
            <dd class="mono">
              {traceLink ? (
                <a href={traceLink} target="_blank" rel="noopener noreferrer">
                  {traceId}
                </a>
              ) : (
                traceId
              )}
            </dd>
          </>
        ) : null}
      </dl>

      {job.progress !== undefined ? (
        <section aria-label="Progress">
          <h2>Progress</h2>
          {percent !== undefined ? (
            <progress max={100} value={percent} aria-label="Progress">
              {percent}%
            </progress>
          ) : null}
          {percent !== undefined ? (
            <span> {percent}%</span>
          ) : (
            <JsonView value={job.progress} label="Progress" />
          )}
        </section>
      ) : null}

      {job.error ? (
        <section aria-label="Error" class="error-box">
          <h2>Error</h2>
          <p class="error-text">
            <strong>{job.error.name}</strong>: {job.error.message}
            {job.error.code ? <span class="muted"> ({job.error.code})</span> : null}
          </p>
          {job.error.stack ? (
            // biome-ignore lint/a11y/noNoninteractiveTabindex lint/a11y/useSemanticElements: a scrollable <pre> must take keyboard focus (axe scrollable-region-focusable) and keep its formatting
            <pre class="stack" tabIndex={0} role="region" aria-label="Stack trace">
              {job.error.stack}
            </pre>
          ) : null}
        </section>
      ) : null}

      <section aria-label="Attempts">
        <h2>Attempts</h2>
        <ol class="timeline">
          <li>
            <span class="tl-dot created" aria-hidden="true" /> created {formatTime(timeline.createdAt)}
            {timeline.runAt !== timeline.createdAt ? `, ready ${formatTime(timeline.runAt)}` : ''}
          </li>
          {timeline.attempts.map((attempt) => (
            <li key={attempt.attempt} class={`outcome-${attempt.outcome}`}>
              <span class={`tl-dot ${attempt.outcome}`} aria-hidden="true" />
              <strong>Attempt {attempt.attempt}</strong>:{' '}
              {attempt.outcome === 'unknown' ? 'ran before this page was opened' : attempt.outcome}
              {attempt.startedAt ? ` · started ${formatTime(attempt.startedAt)}` : ''}
              {attempt.endedAt ? ` · ended ${formatTime(attempt.endedAt)}` : ''}
              {attempt.durationMs !== undefined ? ` · ${formatDuration(attempt.durationMs)}` : ''}
              {attempt.error ? <div class="error-text small">{attempt.error}</div> : null}
            </li>
          ))}
        </ol>
      </section>

      <div class="two-col">
        <section aria-label="Payload">
          <h2>Payload</h2>
          <JsonView value={job.payload} label="Payload" />
        </section>
        <section aria-label="Result">
          <h2>Result</h2>
          <JsonView value={job.result} label="Result" />
        </section>
      </div>

      <section aria-label="Metadata">
        <h2>Metadata</h2>
        {Object.keys(job.metadata).length === 0 ? (
          <p class="muted">none</p>
        ) : (
          <table class="kv">
            <tbody>
              {Object.entries(job.metadata).map(([key, value]) => (
                <tr key={key}>
                  <th scope="row">{key}</th>
                  <td class="mono">
                    <a
                      href={formatRoute('jobs', { params: { [`meta.${key}`]: value } })}
                      title="Jobs with this metadata"
                    >
                      {value}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
